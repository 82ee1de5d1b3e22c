// A page's side of the socket, as the hostile suite drives it: socket.io-client with a client id, every ack and every
// run event kept, output acknowledged like a terminal would, and the learner's view of it all as plain lines.
import { randomBytes } from "node:crypto";
import { io, type Socket } from "socket.io-client";
import {
  isProtocolError,
  type ClientToServerEvents,
  type ProtocolError,
  type RunEventsBatch,
  type NoAnswerEvent,
  type ServerToClientEvents,
} from "../../../lib/shared/socket-protocol";
import type { RunEvent, ServiceStage } from "../../../sandbox/types";

export type PageSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type CallEvent = Exclude<keyof ClientToServerEvents, NoAnswerEvent>;
type AnswerOf<E extends CallEvent> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0];
export type Answer<E extends CallEvent> = Exclude<AnswerOf<E>, { error: ProtocolError }>;

export function newClientId(prefix: string): string {
  return `${prefix}-${randomBytes(8).toString("hex")}`.slice(0, 64);
}

/** What one call got: its answer or the error the page would show, and how long it took. */
export type CallResult<E extends CallEvent> =
  { ok: true; answer: Answer<E>; ms: number } | { ok: false; error: ProtocolError; ms: number };

export class PageClient {
  readonly events: RunEvent[] = [];
  /** Errors the server answered with (what the page shows as a banner or toast). */
  readonly errors: ProtocolError[] = [];
  readonly dropped: Record<string, number> = {};
  /** Runs this client was told about (run:start answers, and the runs of its event batches). */
  readonly runIds = new Set<string>();
  runId?: string;

  private constructor(
    readonly clientId: string,
    readonly socket: PageSocket,
  ) {
    socket.on("run:events", (batch: RunEventsBatch) => {
      this.runIds.add(batch.runId);
      // Only the current run's events matter to the page; an older run's late batch is still acknowledged.
      if (!this.runId || batch.runId === this.runId) this.events.push(...batch.events);
      for (const [service, n] of Object.entries(batch.dropped ?? {}))
        this.dropped[service] = (this.dropped[service] ?? 0) + n;
      // The terminal "wrote" the text at once: acknowledge it, as the page does from xterm's write callback.
      if (batch.bytes > 0) socket.emit("run:ack", { runId: batch.runId, bytes: batch.bytes });
    });
  }

  static async connect(baseUrl: string, clientId: string, timeoutMs = 10_000): Promise<PageClient> {
    const socket: PageSocket = io(baseUrl, {
      auth: { clientId },
      transports: ["websocket"],
      reconnection: false,
      timeout: timeoutMs,
      forceNew: true,
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no socket.io connection within ${timeoutMs} ms`)), timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once("connect_error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    return new PageClient(clientId, socket);
  }

  async call<E extends CallEvent>(
    event: E,
    payload: Parameters<ClientToServerEvents[E]>[0],
    timeoutMs = 30_000,
  ): Promise<CallResult<E>> {
    const started = performance.now();
    let answer: unknown;
    try {
      answer = await (this.socket.timeout(timeoutMs) as unknown as Socket).emitWithAck(event, payload);
    } catch {
      const error: ProtocolError = { code: "INTERNAL", message: `no answer to ${event} within ${timeoutMs} ms` };
      this.errors.push(error);
      return { ok: false, error, ms: performance.now() - started };
    }
    const ms = performance.now() - started;
    if (isProtocolError(answer)) {
      this.errors.push(answer.error);
      return { ok: false, error: answer.error, ms };
    }
    return { ok: true, answer: answer as Answer<E>, ms };
  }

  /** Presses Run with these files (null: the lesson's own); the answer names the run whose events follow. */
  async start(lessonSlug: string, files: Record<string, string> | null): Promise<CallResult<"run:start">> {
    const result = await this.call("run:start", { lessonSlug, files }, 60_000);
    if (result.ok) {
      this.runId = result.answer.run.runId;
      this.runIds.add(this.runId);
    }
    return result;
  }

  async stop(): Promise<void> {
    if (this.socket.connected) await this.call("run:stop", {}, 60_000);
  }

  close(): void {
    this.socket.disconnect();
  }

  /** The service's last stage event (with its detail), if any. */
  stage(service: string): { stage: ServiceStage; detail?: string } | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i];
      if (e.type === "stage" && e.service === service) return { stage: e.stage, detail: e.detail };
    }
    return undefined;
  }

  /** Everything the learner was shown, one line each, tagged with where it appeared. */
  transcript(): string[] {
    const lines: string[] = [];
    for (const e of this.errors) lines.push(`[error ${e.code}] ${e.message}${e.hint ? ` (${e.hint})` : ""}`);
    for (const e of this.events) {
      if (e.type === "log") {
        for (const line of e.text.split("\n")) if (line.trim()) lines.push(`[${e.stream} ${e.service}] ${line}`);
      } else if (e.type === "stage" && (e.stage === "failed" || e.stage === "stopped")) {
        lines.push(`[stage ${e.service}] ${e.stage}${e.detail ? `: ${e.detail}` : ""}`);
      } else if (e.type === "diagnostics") {
        for (const d of e.diagnostics) lines.push(`[marker ${d.file}:${d.line}] ${d.message}`);
      } else if (e.type === "queue") {
        lines.push(`[queue] position ${e.position}`);
      } else if (e.type === "ended") {
        lines.push(`[ended] ${e.reason}${e.detail ? `: ${e.detail}` : ""}`);
      }
    }
    for (const [service, n] of Object.entries(this.dropped)) lines.push(`[dropped ${service}] ${n} lines dropped`);
    return lines;
  }

  /** Waits for a service to reach one of `stages`; returns the stage it reached, or undefined at the timeout. */
  async waitStage(service: string, stages: ServiceStage[], timeoutMs: number): Promise<ServiceStage | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = this.stage(service)?.stage;
      if (now && stages.includes(now)) return now;
      if (Date.now() > deadline || !this.socket.connected) return undefined;
      await sleep(100);
    }
  }

  /** Waits for a transcript line matching `pattern`; returns it, or undefined at the timeout. */
  async waitLine(pattern: RegExp, timeoutMs: number): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.transcript().find((l) => pattern.test(l));
      if (line || Date.now() > deadline) return line;
      await sleep(150);
    }
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
