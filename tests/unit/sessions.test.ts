// The server's run sessions against a fake engine: one run per client, replay on re-attach, stop after the grace period.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EventBatcher, RunSessions, coalesceEvents, type Follower, type RunEngine } from "@/lib/server/sessions";
import {
  attachPayload,
  describeInvalid,
  requestPayload,
  serviceActionPayload,
  startPayload,
  stopPayload,
} from "@/lib/shared/socket-protocol";
import type { HttpRequestSpec, RunEndReason, RunEvent, RunHandle } from "@/sandbox/types";
import type { Fault, Link, LinkState } from "@/lib/shared/faults";

class FakeRun implements RunHandle {
  readonly history: RunEvent[] = [];
  readonly listeners = new Set<(e: RunEvent) => void>();
  ended = false;
  stops: RunEndReason[] = [];
  requests: HttpRequestSpec[] = [];
  updates: Record<string, string>[] = [];
  serviceActions: string[] = [];
  constructor(
    readonly id: string,
    readonly lessonSlug: string,
  ) {}
  emit(e: RunEvent) {
    this.history.push(e);
    for (const l of this.listeners) l(e);
  }
  subscribe(listener: (e: RunEvent) => void) {
    for (const e of this.history) listener(e);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  services() {
    return [{ name: "svc", stage: "queued" as const, protocol: "http" as const }];
  }
  faultActions: string[] = [];
  async faultLinks(): Promise<LinkState[]> {
    return [];
  }
  async addFault(link: Link, fault: Fault): Promise<LinkState[]> {
    this.faultActions.push(`add ${link.from}>${link.to} ${fault.type}`);
    return [];
  }
  async removeFault(link: Link, name: string): Promise<LinkState[]> {
    this.faultActions.push(`remove ${link.from}>${link.to} ${name}`);
    return [];
  }
  whenAllRunning() {
    return Promise.resolve();
  }
  async request(spec: HttpRequestSpec) {
    this.requests.push(spec);
    return { status: 200, statusText: "OK", headers: {}, body: "hi", bodyTruncated: false, durationMs: 1 };
  }
  async updateFiles(files: Record<string, string>) {
    this.updates.push(files);
    return Object.keys(files).map((path) => ({ path, updated: ["svc"], failed: [], message: "sent" }));
  }
  async stopService(name: string) {
    this.serviceActions.push(`stop ${name}`);
  }
  async restartService(name: string) {
    this.serviceActions.push(`restart ${name}`);
  }
  async openShell(): Promise<never> {
    throw new Error("no shell in this fake");
  }
  async stop(reason: RunEndReason = "stopped") {
    this.stops.push(reason);
    if (!this.ended) {
      this.ended = true;
      this.emit({ type: "ended", reason });
    }
  }
}

class FakeEngine implements RunEngine {
  runs = new Map<string, FakeRun>();
  n = 0;
  async startRun(lessonSlug: string) {
    const run = new FakeRun(`run${++this.n}`, lessonSlug);
    this.runs.set(run.id, run);
    return run;
  }
  getRun(id: string) {
    return this.runs.get(id);
  }
}

function follower(id: string) {
  const batches: { runId: string; events: RunEvent[] }[] = [];
  const f: Follower = { id, send: (b) => batches.push(b) };
  return { f, batches, events: () => batches.flatMap((b) => b.events) };
}

const log = (text: string): RunEvent => ({ type: "log", service: "svc", stream: "stdout", text });

describe("RunSessions", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("streams a started run's events to the follower in batches", async () => {
    const engine = new FakeEngine();
    const sessions = new RunSessions(engine);
    const tab = follower("s1");
    sessions.connect("client-1", tab.f);
    const info = await sessions.start("client-1", tab.f, "lesson", null);
    expect(info).toMatchObject({ runId: "run1", lessonSlug: "lesson" });
    const run = engine.runs.get("run1")!;
    run.emit(log("a"));
    run.emit(log("b"));
    expect(tab.batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(30);
    expect(tab.batches).toEqual([{ runId: "run1", events: [log("ab")], bytes: 2 }]);
  });

  it("stops the previous run when a new one starts", async () => {
    const engine = new FakeEngine();
    const sessions = new RunSessions(engine);
    const tab = follower("s1");
    sessions.connect("c", tab.f);
    await sessions.start("c", tab.f, "lesson", null);
    await sessions.start("c", tab.f, "lesson", { "a.go": "x" });
    expect(engine.runs.get("run1")!.stops).toEqual(["stopped"]);
    expect(engine.runs.get("run2")!.ended).toBe(false);
  });

  it("re-attaches a reloaded tab within the grace period and replays the run", async () => {
    const engine = new FakeEngine();
    const sessions = new RunSessions(engine, { graceMs: 3000 });
    const first = follower("s1");
    sessions.connect("c", first.f);
    await sessions.start("c", first.f, "lesson", null);
    engine.runs.get("run1")!.emit(log("before reload\n"));
    sessions.disconnect("c", "s1");
    await vi.advanceTimersByTimeAsync(2000);

    const second = follower("s2");
    sessions.connect("c", second.f);
    const info = await sessions.attach("c", second.f, "lesson");
    expect(info?.runId).toBe("run1");
    await vi.advanceTimersByTimeAsync(5000);
    expect(second.events()).toEqual([log("before reload\n")]);
    expect(engine.runs.get("run1")!.ended).toBe(false);
  });

  it("stops the run when the tab does not come back", async () => {
    const engine = new FakeEngine();
    const sessions = new RunSessions(engine, { graceMs: 3000 });
    const tab = follower("s1");
    sessions.connect("c", tab.f);
    await sessions.start("c", tab.f, "lesson", null);
    sessions.disconnect("c", "s1");
    await vi.advanceTimersByTimeAsync(2999);
    expect(engine.runs.get("run1")!.ended).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(engine.runs.get("run1")!.stops).toEqual(["stopped"]);
  });

  it("stops a run of another lesson on attach, and answers null", async () => {
    const engine = new FakeEngine();
    const sessions = new RunSessions(engine);
    const tab = follower("s1");
    sessions.connect("c", tab.f);
    await sessions.start("c", tab.f, "one", null);
    expect(await sessions.attach("c", tab.f, "two")).toBeNull();
    expect(engine.runs.get("run1")!.ended).toBe(true);
  });

  it("stops a run that finished starting after its tab left for good", async () => {
    const engine = new FakeEngine();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sessions = new RunSessions(engine, { graceMs: 100 });
    const tab = follower("s1");
    sessions.connect("c", tab.f);
    const starting = sessions.start("c", tab.f, "lesson", null, () => gate);
    sessions.disconnect("c", "s1");
    await vi.advanceTimersByTimeAsync(200);
    release();
    await expect(starting).rejects.toMatchObject({ error: { code: "NO_RUN" } });
    expect(engine.runs.get("run1")!.ended).toBe(true);
  });

  it("sends requests only to the client's own live run", async () => {
    const engine = new FakeEngine();
    const sessions = new RunSessions(engine);
    const a = follower("s1");
    sessions.connect("a", a.f);
    await sessions.start("a", a.f, "lesson", null);
    const req = { runId: "run1", service: "svc", method: "GET" as const, path: "/users", headers: {} };
    await expect(sessions.request("a", req)).resolves.toMatchObject({ status: 200 });
    await expect(sessions.request("b", req)).rejects.toMatchObject({ error: { code: "NO_RUN" } });
    await sessions.stop("a", "run1");
    await expect(sessions.request("a", req)).rejects.toMatchObject({ error: { code: "NO_RUN" } });
    await expect(sessions.stop("a", "other")).rejects.toMatchObject({ error: { code: "NO_RUN" } });
  });

  it("sends live file edits only to the client's own live run", async () => {
    const engine = new FakeEngine();
    const sessions = new RunSessions(engine);
    const a = follower("s1");
    sessions.connect("a", a.f);
    await sessions.start("a", a.f, "lesson", null);
    const payload = { runId: "run1", files: { "services/svc/config.yaml": "a: 1\n" } };
    await expect(sessions.updateFiles("a", payload)).resolves.toEqual([
      { path: "services/svc/config.yaml", updated: ["svc"], failed: [], message: "sent" },
    ]);
    await expect(sessions.updateFiles("b", payload)).rejects.toMatchObject({ error: { code: "NO_RUN" } });
    await expect(sessions.updateFiles("a", { ...payload, runId: "other" })).rejects.toMatchObject({
      error: { code: "NO_RUN" },
    });
    expect(engine.runs.get("run1")!.updates).toHaveLength(1);
    await sessions.stop("a", "run1");
    await expect(sessions.updateFiles("a", payload)).rejects.toMatchObject({ error: { code: "NO_RUN" } });
  });

  it("stops and restarts one service only in the client's own live run", async () => {
    const engine = new FakeEngine();
    const sessions = new RunSessions(engine);
    const a = follower("s1");
    sessions.connect("a", a.f);
    await sessions.start("a", a.f, "lesson", null);
    await sessions.serviceAction("a", { runId: "run1", service: "svc", action: "stop" });
    await sessions.serviceAction("a", { runId: "run1", service: "svc", action: "restart" });
    await expect(sessions.serviceAction("b", { runId: "run1", service: "svc", action: "stop" })).rejects.toMatchObject({
      error: { code: "NO_RUN" },
    });
    expect(engine.runs.get("run1")!.serviceActions).toEqual(["stop svc", "restart svc"]);
    await sessions.stop("a", "run1");
    await expect(
      sessions.serviceAction("a", { runId: "run1", service: "svc", action: "restart" }),
    ).rejects.toMatchObject({ error: { code: "NO_RUN" } });
  });

  it("hands out a run for gRPC calls only to its own client, and only while it lives", async () => {
    const engine = new FakeEngine();
    const sessions = new RunSessions(engine);
    const a = follower("s1");
    sessions.connect("a", a.f);
    await sessions.start("a", a.f, "lesson", null);
    expect(sessions.liveRun("a", "run1")).toBe(engine.runs.get("run1"));
    expect(() => sessions.liveRun("b", "run1")).toThrow("This run has ended.");
    expect(() => sessions.liveRun("a", "run2")).toThrow("This run has ended.");
    await sessions.stop("a", "run1");
    expect(() => sessions.liveRun("a", "run1")).toThrow("This run has ended.");
  });
});

describe("event batches", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("merges neighbouring chunks of one stream only", () => {
    const err: RunEvent = { type: "log", service: "svc", stream: "stderr", text: "e" };
    expect(coalesceEvents([log("a"), log("b"), err, log("c")])).toEqual([log("ab"), err, log("c")]);
  });

  it("never sends synchronously, and sends stage changes and large output on the next turn", async () => {
    const sent: RunEvent[][] = [];
    const batcher = new EventBatcher("r", (b) => sent.push(b.events), 25, 10);
    batcher.push(log("0123456789"));
    expect(sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual([[log("0123456789")]]);
    batcher.push({ type: "stage", service: "svc", stage: "running", at: 1 });
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(2);
    batcher.push(log("x"));
    batcher.close();
    expect(sent[2]).toEqual([log("x")]);
    batcher.push(log("ignored"));
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toHaveLength(3);
  });
});

describe("payload validation", () => {
  it("accepts well-formed payloads", () => {
    expect(attachPayload.safeParse({ lessonSlug: "monolith-vs-microservices" }).success).toBe(true);
    expect(startPayload.safeParse({ lessonSlug: "x", files: { "services/a/main.go": "package main" } }).success).toBe(
      true,
    );
    expect(startPayload.safeParse({ lessonSlug: "x", files: null }).success).toBe(true);
    expect(stopPayload.safeParse({}).success).toBe(true);
    expect(
      requestPayload.safeParse({ runId: "r", service: "svc", method: "POST", path: "/a?b=1", headers: { "X-A": "1" } })
        .success,
    ).toBe(true);
  });

  it("rejects what the server must never pass on", () => {
    expect(attachPayload.safeParse({ lessonSlug: "../etc" }).success).toBe(false);
    expect(startPayload.safeParse({ lessonSlug: "x", files: { "a.go": 1 } }).success).toBe(false);
    expect(startPayload.safeParse({ lessonSlug: "x", files: null, extra: 1 }).success).toBe(false);
    const bad = (o: object) =>
      requestPayload.safeParse({ runId: "r", service: "svc", method: "GET", headers: {}, ...o });
    expect(bad({ path: "//evil.example/x" }).success).toBe(false);
    expect(bad({ path: "http://x/" }).success).toBe(false);
    expect(bad({ path: "/", method: "CONNECT" }).success).toBe(false);
    expect(bad({ path: "/", headers: { "bad name": "x" } }).success).toBe(false);
    expect(bad({ path: "/", service: "Bad_Name" }).success).toBe(false);
    const action = (o: object) => serviceActionPayload.safeParse({ runId: "r", service: "svc", ...o }).success;
    expect(action({ action: "restart" })).toBe(true);
    expect(action({ action: "kill" })).toBe(false);
    expect(action({ action: "stop", service: "../x" })).toBe(false);
  });

  it("words a validation failure with the field", () => {
    const r = attachPayload.safeParse({ lessonSlug: 7 });
    if (r.success) throw new Error("should fail");
    expect(describeInvalid(r.error)).toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("lessonSlug"),
    });
  });
});
