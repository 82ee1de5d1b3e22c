// Which browser follows which run: one live run per client, re-attach after a reload, stop after a grace period.
import {
  spanBytes,
  type HttpResponseSummary,
  type LiveFileResult,
  type RunEvent,
  type RunHandle,
} from "../../sandbox/index";
import { FlowWindow, LineDropCounter } from "../shared/flow-control";
import type { LinkState } from "../shared/faults";
import {
  EVENT_BATCH_BYTES,
  EVENT_BATCH_MS,
  RECONNECT_GRACE_MS,
  type FaultActionPayload,
  type ProtocolError,
  type RequestPayload,
  type RunEventsBatch,
  type RunInfo,
  type ServiceActionPayload,
  type UpdateFilesPayload,
} from "../shared/socket-protocol";

/** The part of the engine this module needs (the real one is sandbox/index.ts; tests pass a fake). */
export interface RunEngine {
  startRun(lessonSlug: string, files: unknown, opts: { owner: string }): Promise<RunHandle>;
  getRun(runId: string): RunHandle | undefined;
}

/** One browser tab's socket, as far as runs are concerned. */
export interface Follower {
  readonly id: string;
  send(batch: RunEventsBatch): void;
}

export class ProtocolFailure extends Error {
  constructor(readonly error: ProtocolError) {
    super(error.message);
  }
}

const noRun = (): ProtocolFailure =>
  new ProtocolFailure({
    code: "NO_RUN",
    message: "This run has ended.",
    hint: "Press Run to start the services again.",
  });

/** Merges neighbouring log chunks of the same service and stream, so a burst of output is one message. */
export function coalesceEvents(events: RunEvent[]): RunEvent[] {
  const out: RunEvent[] = [];
  for (const e of events) {
    const last = out[out.length - 1];
    if (e.type === "log" && last?.type === "log" && last.service === e.service && last.stream === e.stream) {
      out[out.length - 1] = { ...last, text: last.text + e.text };
    } else {
      out.push(e);
    }
  }
  return out;
}

/** The size an event adds to a batch's `bytes`, which the tab acknowledges: log text and spans; the rest is small. */
function flowBytes(event: RunEvent): number {
  if (event.type === "log") return event.text.length;
  if (event.type === "span") return spanBytes(event.span);
  return 0;
}

/**
 * Buffers one follower's events of one run and sends them in batches (every few ms, or sooner when large), with
 * flow control: live log text and spans stop going to a follower whose unacknowledged bytes pass the high
 * watermark; what is dropped meanwhile is counted (lines per service, spans in all) and reported with the next
 * batch. The buffer holds at most the high watermark plus one event of live output, and the run's bounded history.
 */
export class EventBatcher {
  private buffer: RunEvent[] = [];
  private bytes = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private urgent = false;
  readonly window: FlowWindow;
  private readonly drops = new LineDropCounter();
  private dropsPending = false;
  private droppedSpans = 0;

  constructor(
    private readonly runId: string,
    private readonly send: (batch: RunEventsBatch) => void,
    private readonly delayMs = EVENT_BATCH_MS,
    private readonly maxBytes = EVENT_BATCH_BYTES,
    window?: FlowWindow,
  ) {
    this.window = window ?? new FlowWindow();
  }

  /** `live` is false for the replay of a run's (bounded) past, which is never dropped. */
  push(event: RunEvent, live = true): void {
    if (this.closed) return;
    if (event.type === "log" && live) {
      if (!this.window.admit(this.bytes, event.text.length)) {
        this.drops.drop(event.service, event.stream, event.text);
        this.dropsPending = true;
        return;
      }
      const text = this.drops.keep(event.service, event.stream, event.text);
      if (text === "") return;
      if (text !== event.text) event = { ...event, text };
    } else if (event.type === "span" && live && !this.window.admit(this.bytes, spanBytes(event.span))) {
      // A flood of spans is held back like a flood of text: the trace view misses them, and the tab is told.
      this.droppedSpans++;
      this.dropsPending = true;
      return;
    }
    this.buffer.push(event);
    this.bytes += flowBytes(event);
    // Stage changes, the end and large output go out on the next turn; other log text and spans wait for company.
    // Never synchronously: a replay happens inside subscribe(), before the ack that names the run.
    const urgent = this.bytes >= this.maxBytes || (event.type !== "log" && event.type !== "span");
    this.schedule(urgent);
  }

  private schedule(urgent: boolean): void {
    if (urgent && !this.urgent) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.urgent = true;
    }
    this.timer ??= setTimeout(() => this.flush(), this.urgent ? 0 : this.delayMs);
  }

  /** The browser wrote `bytes` of log text; once it has caught up, the count of dropped lines goes out. */
  acked(bytes: number): void {
    this.window.acked(bytes);
    if (this.dropsPending && !this.closed && this.window.admit(this.bytes, 0)) this.schedule(false);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.urgent = false;
    // The count goes out only when text flows again, so the notice stands where the lines are missing.
    const resumed = this.dropsPending && !this.window.isBehind;
    const dropped = resumed ? this.drops.take() : undefined;
    if (resumed) this.dropsPending = false;
    if (resumed && this.droppedSpans > 0) {
      const n = this.droppedSpans;
      this.droppedSpans = 0;
      const text = `… ${n} span${n === 1 ? " was" : "s were"} not sent to this page while it caught up with the output; the trace view misses ${n === 1 ? "it" : "them"}\n`;
      this.buffer.unshift({ type: "log", service: "*", stream: "system", text });
      this.bytes += text.length;
    }
    if (this.buffer.length === 0 && !dropped) return;
    const events = coalesceEvents(this.buffer);
    const bytes = this.bytes;
    this.buffer = [];
    this.bytes = 0;
    this.window.sent(bytes);
    this.send(dropped ? { runId: this.runId, events, bytes, dropped } : { runId: this.runId, events, bytes });
  }

  close(): void {
    this.flush();
    this.closed = true;
  }
}

interface Subscription {
  runId: string;
  batcher: EventBatcher;
  unsubscribe: () => void;
}

interface ClientSession {
  runId?: string;
  followers: Map<string, Follower>;
  subscriptions: Map<string, Subscription>;
  grace?: ReturnType<typeof setTimeout>;
  /** Starts and stops of one client happen one after another. */
  queue: Promise<unknown>;
}

export interface SessionOptions {
  graceMs?: number;
  log?: (line: string) => void;
  /** Told of every run a client starts (class mode keeps the teacher's wall and the run history from it). */
  onRun?: (clientId: string, run: RunHandle) => void;
}

export class RunSessions {
  private readonly sessions = new Map<string, ClientSession>();
  private readonly graceMs: number;
  private readonly log: (line: string) => void;
  private readonly onRun: (clientId: string, run: RunHandle) => void;

  constructor(
    private readonly engine: RunEngine,
    opts: SessionOptions = {},
  ) {
    this.graceMs = opts.graceMs ?? RECONNECT_GRACE_MS;
    this.log = opts.log ?? (() => {});
    this.onRun = opts.onRun ?? (() => {});
  }

  connect(clientId: string, follower: Follower): void {
    const session = this.session(clientId);
    session.followers.set(follower.id, follower);
    if (session.grace) clearTimeout(session.grace);
    session.grace = undefined;
  }

  /** The last tab of a client went away: stop its run unless it comes back within the grace period. */
  disconnect(clientId: string, followerId: string): void {
    const session = this.sessions.get(clientId);
    if (!session) return;
    this.unfollow(session, followerId);
    session.followers.delete(followerId);
    if (session.followers.size > 0) return;
    if (session.grace) clearTimeout(session.grace);
    session.grace = setTimeout(() => {
      session.grace = undefined;
      if (session.followers.size > 0) return;
      this.sessions.delete(clientId);
      const run = session.runId ? this.engine.getRun(session.runId) : undefined;
      if (run && !run.ended) {
        this.log(`client ${clientId.slice(0, 8)} left: stopping run ${run.id}`);
        void run.stop("stopped").catch((err) => this.log(`stopping run ${run.id} failed: ${String(err)}`));
      }
    }, this.graceMs);
  }

  /** Follows the client's run of this lesson (replaying it); a live run of another lesson is stopped. */
  attach(clientId: string, follower: Follower, lessonSlug: string): Promise<RunInfo | null> {
    const session = this.session(clientId);
    return this.serial(session, async () => {
      const run = session.runId ? this.engine.getRun(session.runId) : undefined;
      if (!run) {
        session.runId = undefined;
        return null;
      }
      if (run.lessonSlug !== lessonSlug) {
        this.unfollowRun(session, run.id);
        session.runId = undefined;
        if (!run.ended) await run.stop("stopped");
        return null;
      }
      this.follow(session, follower, run);
      return info(run);
    });
  }

  /** Stops the client's previous run and starts a new one, which this follower then watches. */
  start(
    clientId: string,
    follower: Follower,
    lessonSlug: string,
    files: Record<string, string> | null,
    beforeStart: () => Promise<void> = async () => {},
  ): Promise<RunInfo> {
    const session = this.session(clientId);
    return this.serial(session, async () => {
      const previous = session.runId ? this.engine.getRun(session.runId) : undefined;
      if (previous) {
        this.unfollowRun(session, previous.id);
        session.runId = undefined;
        // Not awaited: the old run's graceful shutdown overlaps the new run's build (most of edit → answer).
        if (!previous.ended)
          void previous.stop("stopped").catch((err) => this.log(`stopping run ${previous.id} failed: ${String(err)}`));
      }
      await beforeStart();
      const run = await this.engine.startRun(lessonSlug, files, { owner: clientId });
      session.runId = run.id;
      this.onRun(clientId, run);
      // The tab may have gone while the image was built: a pending grace timer stops the run, an expired one did not see it.
      if (this.sessions.get(clientId) !== session) {
        await run.stop("stopped");
        throw noRun();
      }
      if (session.followers.has(follower.id)) this.follow(session, follower, run);
      return info(run);
    });
  }

  /** Stops the client's run (the named one, or whichever it has, including one still starting). */
  stop(clientId: string, runId?: string): Promise<void> {
    const session = this.session(clientId);
    return this.serial(session, async () => {
      if (runId !== undefined && session.runId !== runId) throw noRun();
      const run = session.runId ? this.engine.getRun(session.runId) : undefined;
      if (run && !run.ended) await run.stop("stopped");
    });
  }

  /** A tab has written `bytes` of the run's log text into its terminals. */
  ack(clientId: string, followerId: string, runId: string, bytes: number): void {
    const sub = this.sessions.get(clientId)?.subscriptions.get(followerId);
    if (sub?.runId === runId) sub.batcher.acked(bytes);
  }

  async request(clientId: string, payload: RequestPayload): Promise<HttpResponseSummary> {
    const session = this.sessions.get(clientId);
    const run = session?.runId === payload.runId ? this.engine.getRun(payload.runId) : undefined;
    if (!run || run.ended) throw noRun();
    const { service, method, path, headers, body } = payload;
    return run.request({ service, method, path, headers, body });
  }

  /** Sends edited live files to the client's own live run only. */
  async updateFiles(clientId: string, payload: UpdateFilesPayload): Promise<LiveFileResult[]> {
    return this.liveRun(clientId, payload.runId).updateFiles(payload.files);
  }

  /** Stops or restarts one service of the client's live run. */
  async serviceAction(clientId: string, payload: ServiceActionPayload): Promise<void> {
    const run = this.liveRun(clientId, payload.runId);
    if (payload.action === "stop") await run.stopService(payload.service);
    else await run.restartService(payload.service);
  }

  /** The faults of the client's live run: listed, or one added or removed on a link. */
  async faults(clientId: string, runId: string): Promise<LinkState[]> {
    return this.liveRun(clientId, runId).faultLinks();
  }

  async faultAction(clientId: string, payload: FaultActionPayload): Promise<LinkState[]> {
    const run = this.liveRun(clientId, payload.runId);
    return payload.action === "add"
      ? run.addFault(payload.link, payload.fault)
      : run.removeFault(payload.link, payload.name);
  }

  /** The client's live run with this id (for calls to its services); NO_RUN if it has ended or is not theirs. */
  liveRun(clientId: string, runId: string): RunHandle {
    const session = this.sessions.get(clientId);
    const run = session?.runId === runId ? this.engine.getRun(runId) : undefined;
    if (!run || run.ended) throw noRun();
    return run;
  }

  private session(clientId: string): ClientSession {
    let s = this.sessions.get(clientId);
    if (!s) {
      s = { followers: new Map(), subscriptions: new Map(), queue: Promise.resolve() };
      this.sessions.set(clientId, s);
    }
    return s;
  }

  private serial<T>(session: ClientSession, work: () => Promise<T>): Promise<T> {
    const next = session.queue.then(work, work);
    session.queue = next.catch(() => {});
    return next;
  }

  private follow(session: ClientSession, follower: Follower, run: RunHandle): void {
    this.unfollow(session, follower.id);
    const batcher = new EventBatcher(run.id, (batch) => follower.send(batch));
    // subscribe() replays the run's past events synchronously; the batcher sends them after the ack. The replay is
    // bounded by the run's history, so it is never dropped, even to a tab that is already behind.
    let replaying = true;
    const unsubscribe = run.subscribe((event) => batcher.push(event, !replaying));
    replaying = false;
    session.subscriptions.set(follower.id, { runId: run.id, batcher, unsubscribe });
  }

  private unfollow(session: ClientSession, followerId: string): void {
    const sub = session.subscriptions.get(followerId);
    if (!sub) return;
    sub.unsubscribe();
    sub.batcher.close();
    session.subscriptions.delete(followerId);
  }

  private unfollowRun(session: ClientSession, runId: string): void {
    for (const [followerId, sub] of session.subscriptions) if (sub.runId === runId) this.unfollow(session, followerId);
  }
}

function info(run: RunHandle): RunInfo {
  return { runId: run.id, lessonSlug: run.lessonSlug, services: run.services() };
}
