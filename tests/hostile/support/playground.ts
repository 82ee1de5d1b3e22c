// The server under attack (started as the e2e harness starts it, with event-loop figures on), the canary, and the
// bystander: another learner whose lesson 16.1 runs throughout, its page and its service sampled for latency.
import { createServer } from "node:net";
import { Worker } from "node:worker_threads";
import { buildIfNeeded, startServer, stopServer, waitForOutput, type Server } from "../../e2e/harness";
import { EVENT_LOOP_STATS_PATH, type EventLoopStats } from "../../../lib/server/event-loop";
import { Canary } from "./canary";
import { newClientId, PageClient, sleep } from "./client";

export const BYSTANDER_LESSON = "monolith-vs-microservices";
/** How often each of the bystander's two probes is sent (the page's own budget allows 5 calls a second). */
const SAMPLE_EVERY_MS = 300;
/** A probe that gets no answer in this long counts as this slow. */
const SAMPLE_TIMEOUT_MS = 5_000;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface LatencySummary {
  count: number;
  p95: number;
  max: number;
  failures: string[];
}

export function summarize(ms: number[], failures: string[]): LatencySummary {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN;
  return {
    count: sorted.length,
    p95: Math.round(at(0.95)),
    max: Math.round(sorted[sorted.length - 1] ?? NaN),
    failures,
  };
}

/** Samples the bystander's lesson page (HTTP) and its running service (run:request on its own socket) until stopped. */
/**
 * The page probe runs on a thread of its own: the case's hostile client lives in this test process (300 socket acks
 * in a burst, 20,000 span events), and its work on this event loop must not be counted as the server's slowness.
 */
const PAGE_PROBE = `
const { parentPort, workerData } = require("node:worker_threads");
let running = true;
parentPort.on("message", (m) => { if (m === "stop") running = false; });
(async () => {
  while (running) {
    const started = performance.now();
    try {
      const res = await fetch(workerData.url, { signal: AbortSignal.timeout(workerData.timeoutMs) });
      await res.text();
      parentPort.postMessage({ ms: performance.now() - started, status: res.status });
    } catch (err) {
      parentPort.postMessage({ ms: Math.max(workerData.timeoutMs, performance.now() - started), error: String(err && err.message) });
    }
    await new Promise((r) => setTimeout(r, workerData.everyMs));
  }
  parentPort.postMessage({ done: true });
})();
`;

export class Sampler {
  readonly pageMs: number[] = [];
  readonly requestMs: number[] = [];
  readonly pageFailures: string[] = [];
  readonly requestFailures: string[] = [];
  private running = true;
  private readonly loops: Promise<void>[];
  private readonly pageProbe: Worker;
  private readonly pageProbeDone: Promise<void>;

  constructor(
    private readonly baseUrl: string,
    private readonly bystander: Bystander,
  ) {
    this.pageProbe = new Worker(PAGE_PROBE, {
      eval: true,
      workerData: {
        url: `${this.baseUrl}/lessons/${BYSTANDER_LESSON}`,
        timeoutMs: SAMPLE_TIMEOUT_MS,
        everyMs: SAMPLE_EVERY_MS,
      },
    });
    this.pageProbeDone = new Promise((resolve) => {
      this.pageProbe.on("message", (m: { ms?: number; status?: number; error?: string; done?: boolean }) => {
        if (m.done) return resolve();
        this.pageMs.push(m.ms ?? SAMPLE_TIMEOUT_MS);
        if (m.error) this.pageFailures.push(`page: ${m.error}`);
        else if (m.status !== 200) this.pageFailures.push(`page answered ${m.status}`);
      });
      this.pageProbe.on("error", () => resolve());
      this.pageProbe.on("exit", () => resolve());
    });
    this.loops = [this.loop(() => this.sampleRequest())];
  }

  private async loop(sample: () => Promise<void>): Promise<void> {
    while (this.running) {
      await sample();
      await sleep(SAMPLE_EVERY_MS);
    }
  }

  private async sampleRequest(): Promise<void> {
    const { client, runId } = this.bystander;
    const result = await client.call(
      "run:request",
      { runId, service: "monolith", method: "GET", path: "/health", headers: {} },
      SAMPLE_TIMEOUT_MS,
    );
    this.requestMs.push(result.ok ? result.ms : Math.max(SAMPLE_TIMEOUT_MS, result.ms));
    if (!result.ok) this.requestFailures.push(`run:request: ${result.error.code} ${result.error.message}`);
    else if (result.answer.response.status !== 200)
      this.requestFailures.push(`run:request answered ${result.answer.response.status}`);
  }

  get samples(): number {
    return Math.min(this.pageMs.length, this.requestMs.length);
  }

  async stop(): Promise<{ page: LatencySummary; request: LatencySummary }> {
    this.running = false;
    this.pageProbe.postMessage("stop");
    await Promise.all([...this.loops, this.pageProbeDone]);
    await this.pageProbe.terminate();
    return {
      page: summarize(this.pageMs, this.pageFailures),
      request: summarize(this.requestMs, this.requestFailures),
    };
  }
}

/** Another learner with lesson 16.1 running, on its own socket and client id. */
export class Bystander {
  private constructor(
    readonly client: PageClient,
    readonly runId: string,
  ) {}

  static async start(baseUrl: string): Promise<Bystander> {
    const client = await PageClient.connect(baseUrl, newClientId("bystander"));
    const started = await client.start(BYSTANDER_LESSON, null);
    if (!started.ok) throw new Error(`the bystander could not start ${BYSTANDER_LESSON}: ${started.error.message}`);
    for (const service of ["monolith", "user-service"]) {
      const stage = await client.waitStage(service, ["running", "failed", "stopped"], 240_000);
      if (stage !== "running")
        throw new Error(`the bystander's ${service} is ${stage ?? "not running"}:\n${client.transcript().join("\n")}`);
    }
    return new Bystander(client, started.answer.run.runId);
  }

  get alive(): boolean {
    return this.client.socket.connected && this.client.stage("monolith")?.stage === "running";
  }

  async stop(): Promise<void> {
    await this.client.stop().catch(() => {});
    this.client.close();
  }
}

export class Playground {
  server!: Server;
  bystander!: Bystander;
  /** Why the server had to be started again during the suite, case by case. */
  readonly restarts: string[] = [];

  private constructor(
    readonly port: number,
    readonly canary: Canary,
  ) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async open(): Promise<Playground> {
    buildIfNeeded();
    const pg = new Playground(await freePort(), await Canary.start());
    await pg.bringUp();
    return pg;
  }

  private async bringUp(): Promise<void> {
    this.server = await startServer(this.port, { PLAYGROUND_EVENT_LOOP_STATS: "1" });
    await waitForOutput(this.server, /sandbox image \S+ ready/, 600_000);
    this.bystander = await Bystander.start(this.baseUrl);
  }

  sampler(): Sampler {
    return new Sampler(this.baseUrl, this.bystander);
  }

  /** The server's event-loop delay since the last reset (and, with `reset`, a new window from now). */
  async loopStats(reset: boolean): Promise<EventLoopStats | undefined> {
    try {
      const res = await fetch(`${this.baseUrl}${EVENT_LOOP_STATS_PATH}${reset ? "?reset" : ""}`, {
        signal: AbortSignal.timeout(SAMPLE_TIMEOUT_MS),
      });
      return res.ok ? ((await res.json()) as EventLoopStats) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The process is alive, answers a page within the sample timeout, and the bystander's run is still up. */
  async responsive(): Promise<boolean> {
    if (this.server.child.exitCode !== null) return false;
    try {
      const res = await fetch(`${this.baseUrl}/`, { signal: AbortSignal.timeout(SAMPLE_TIMEOUT_MS) });
      await res.text();
      return res.ok && this.bystander.alive;
    } catch {
      return false;
    }
  }

  /** After a case broke the server (or the bystander): the last of its output, then a fresh server and bystander. */
  async recover(why: string): Promise<string> {
    const tail = this.server.output().split("\n").slice(-25).join("\n");
    this.restarts.push(why);
    this.bystander.client.close();
    await stopServer(this.server);
    await this.bringUp();
    return tail;
  }

  async close(): Promise<void> {
    await this.bystander?.stop();
    await stopServer(this.server);
    await this.canary.close();
  }
}
