// Flow control of log text and spans: watermarks with hysteresis, exact counts of dropped lines, the browser's write barrier,
// and the server's batcher that ties them together (bounded however slow the browser is).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EarlyBatches, FlowWindow, HIGH_WATERMARK, LineDropCounter, WriteBarrier } from "@/lib/shared/flow-control";
import { EventBatcher, RunSessions, type Follower, type RunEngine } from "@/lib/server/sessions";
import type { RunEventsBatch } from "@/lib/shared/socket-protocol";
import { spanBytes } from "@/sandbox/spans";
import type { HttpRequestSpec, RunEvent, RunHandle } from "@/sandbox/types";

const log = (text: string, service = "svc"): RunEvent => ({ type: "log", service, stream: "stdout", text });
const lines = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => `line ${String(from + i).padStart(5, "0")}\n`).join("");

describe("FlowWindow", () => {
  it("stops admitting at the high watermark and admits again only at the low one", () => {
    const w = new FlowWindow(100, 40);
    expect(w.admit(0, 60)).toBe(true);
    w.sent(60);
    expect(w.admit(0, 30)).toBe(true);
    w.sent(30);
    expect(w.admit(0, 20)).toBe(false); // 90 + 20 > 100
    w.acked(40); // 50 in flight: still above the low watermark
    expect(w.admit(0, 1)).toBe(false);
    w.acked(10); // 40: back at the low one
    expect(w.admit(0, 1)).toBe(true);
    expect(w.inFlight).toBe(40);
  });

  it("counts what waits in the batch, and clamps acks of more than is in flight", () => {
    const w = new FlowWindow(100, 10);
    expect(w.admit(95, 10)).toBe(false);
    w.acked(1e9);
    w.acked(-5);
    w.acked(Number.NaN);
    expect(w.inFlight).toBe(0);
    expect(() => new FlowWindow(10, 10)).toThrow();
  });
});

describe("LineDropCounter", () => {
  it("counts whole lines exactly, per service", () => {
    const c = new LineDropCounter();
    c.drop("a", "stdout", "1\n2\n3\n");
    c.drop("b", "stdout", "x\n");
    expect(c.take()).toEqual({ a: 3, b: 1 });
    expect(c.take()).toBeUndefined();
  });

  it("counts a line cut in the middle once and drops its remainder when text flows again", () => {
    const c = new LineDropCounter();
    c.drop("a", "stdout", "one\ntw"); // "one" and the start of "two"
    c.drop("a", "stdout", "o con"); // still inside "two"
    expect(c.keep("a", "stdout", "tinued\nthree\n")).toBe("three\n");
    expect(c.take()).toEqual({ a: 2 });
    // Streams are separate: stderr was never cut.
    c.drop("a", "stdout", "half");
    expect(c.keep("a", "stderr", "whole\n")).toBe("whole\n");
    expect(c.keep("a", "stdout", "still half")).toBe("");
    expect(c.keep("a", "stdout", " end\nnext\n")).toBe("next\n");
    expect(c.take()).toEqual({ a: 1 });
  });
});

describe("WriteBarrier", () => {
  it("fires once, after sealing and after every hold is released", () => {
    let fired = 0;
    const b = new WriteBarrier(() => fired++);
    const r1 = b.hold();
    const r2 = b.hold();
    r1();
    r1(); // a second release of the same hold counts once
    b.seal();
    expect(fired).toBe(0);
    r2();
    expect(fired).toBe(1);
    const empty = new WriteBarrier(() => fired++);
    empty.seal();
    expect(fired).toBe(2);
  });
});

describe("EventBatcher flow control", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("drops live log text past the high watermark, reports the exact count once the browser caught up", async () => {
    const sent: RunEventsBatch[] = [];
    const batcher = new EventBatcher("r", (b) => sent.push(b), 25, 1000, new FlowWindow(2000, 500));
    // 300 lines of 11 characters, in chunks of 10 lines: 3300 characters against a 2000-character window.
    for (let i = 0; i < 300; i += 10) batcher.push(log(lines(i, 10)));
    await vi.advanceTimersByTimeAsync(100);
    const text = () =>
      sent
        .flatMap((b) => b.events)
        .map((e) => (e.type === "log" ? e.text : ""))
        .join("");
    const got = text().split("\n").filter(Boolean);
    expect(got.length).toBeLessThan(300);
    expect(sent.reduce((n, b) => n + b.bytes, 0)).toBeLessThanOrEqual(2000);
    expect(sent.some((b) => b.dropped)).toBe(false); // still behind: no notice yet

    // The browser writes everything it got; the count follows, and later output flows again.
    batcher.acked(sent.reduce((n, b) => n + b.bytes, 0));
    await vi.advanceTimersByTimeAsync(30);
    const notice = sent.find((b) => b.dropped);
    expect(notice?.dropped).toEqual({ svc: 300 - got.length });
    batcher.push(log(lines(300, 1)));
    await vi.advanceTimersByTimeAsync(30);
    expect(text()).toContain("line 00300\n");
  });

  it("never drops the replay of a run's past, nor stage changes", async () => {
    const sent: RunEventsBatch[] = [];
    const batcher = new EventBatcher("r", (b) => sent.push(b), 25, 1000, new FlowWindow(100, 10));
    batcher.push(log("x".repeat(500) + "\n"), false);
    batcher.push(log("live and dropped\n"));
    batcher.push({ type: "stage", service: "svc", stage: "running", at: 1 });
    await vi.advanceTimersByTimeAsync(10);
    const events = sent.flatMap((b) => b.events);
    expect(events).toEqual([log("x".repeat(500) + "\n"), { type: "stage", service: "svc", stage: "running", at: 1 }]);
  });

  it("holds no more than the watermark however much a service prints to a tab that never answers", async () => {
    const sent: RunEventsBatch[] = [];
    const batcher = new EventBatcher("r", (b) => sent.push(b), 25, 64 * 1024, new FlowWindow(256 * 1024, 64 * 1024));
    const chunk = lines(0, 100); // 1100 characters
    for (let i = 0; i < 10_000; i++) {
      batcher.push(log(chunk));
      if (i % 100 === 0) await vi.advanceTimersByTimeAsync(25);
    }
    await vi.advanceTimersByTimeAsync(100);
    const inFlight = sent.reduce((n, b) => n + b.bytes, 0);
    expect(inFlight).toBeLessThanOrEqual(256 * 1024);
    expect(batcher.window.inFlight).toBe(inFlight);
    batcher.acked(inFlight);
    await vi.advanceTimersByTimeAsync(30);
    const dropped = sent.find((b) => b.dropped)?.dropped?.svc ?? 0;
    expect(dropped + inFlight / 11).toBe(1_000_000); // every line either arrived or was counted
  });
});

describe("EventBatcher flow control of spans", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const span = (i: number): RunEvent => ({
    type: "span",
    span: {
      traceId: "0".repeat(32),
      spanId: i.toString(16).padStart(16, "0"),
      service: "user-service",
      name: "flood",
      kind: "internal",
      startUs: i,
      endUs: i + 1,
      status: { code: "ok" },
      attributes: { pad: "p".repeat(120) },
      events: [],
    },
  });

  it("counts spans in the window like text: a flood to a tab that never answers stays within the watermark", async () => {
    const sent: RunEventsBatch[] = [];
    const batcher = new EventBatcher("r", (b) => sent.push(b), 25, 64 * 1024, new FlowWindow(64 * 1024, 16 * 1024));
    for (let i = 0; i < 20_000; i++) {
      batcher.push(span(i));
      if (i % 500 === 0) await vi.advanceTimersByTimeAsync(25);
    }
    await vi.advanceTimersByTimeAsync(100);
    const spansSent = sent.flatMap((b) => b.events).filter((e) => e.type === "span").length;
    const inFlight = sent.reduce((n, b) => n + b.bytes, 0);
    expect(inFlight).toBeLessThanOrEqual(64 * 1024);
    const spanBytesSent = sent
      .flatMap((b) => b.events)
      .reduce((n, e) => n + (e.type === "span" ? spanBytes(e.span) : 0), 0);
    expect(inFlight).toBe(spanBytesSent);
    expect(spansSent).toBeLessThan(20_000);

    // Once the tab has written what it got, it is told how many spans it misses, and spans flow again.
    batcher.acked(inFlight);
    await vi.advanceTimersByTimeAsync(30);
    const notice = sent.flatMap((b) => b.events).find((e) => e.type === "log" && e.stream === "system");
    expect(notice).toMatchObject({
      service: "*",
      text: expect.stringContaining(`${20_000 - spansSent} spans were not sent`),
    });
    batcher.push(span(20_000));
    await vi.advanceTimersByTimeAsync(30);
    expect(sent.at(-1)?.events).toEqual([span(20_000)]);
  });

  it("text and spans share one window: a span flood holds back text too, never the replay", async () => {
    const sent: RunEventsBatch[] = [];
    const batcher = new EventBatcher("r", (b) => sent.push(b), 25, 64 * 1024, new FlowWindow(10_000, 2_000));
    for (let i = 0; i < 200; i++) batcher.push(span(i), false); // the replay: all of it goes
    for (let i = 0; i < 100; i++) batcher.push(span(i));
    batcher.push(log("after the flood\n"));
    await vi.advanceTimersByTimeAsync(30);
    const events = sent.flatMap((b) => b.events);
    expect(events.filter((e) => e.type === "span")).toHaveLength(200);
    expect(events.some((e) => e.type === "log")).toBe(false);
  });
});

describe("RunSessions acks", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("routes a tab's acks to its own subscription of that run only", async () => {
    const listeners = new Set<(e: RunEvent) => void>();
    const run: RunHandle = {
      id: "run1",
      lessonSlug: "l",
      ended: false,
      subscribe: (l) => (listeners.add(l), () => listeners.delete(l)),
      services: () => [],
      whenAllRunning: async () => {},
      request: async (_: HttpRequestSpec) => {
        throw new Error("unused");
      },
      updateFiles: async () => [],
      faultLinks: async () => [],
      addFault: async () => [],
      removeFault: async () => [],
      stopService: async () => {},
      restartService: async () => {},
      openShell: async () => {
        throw new Error("unused");
      },
      stop: async () => {},
    };
    const engine: RunEngine = { startRun: async () => run, getRun: (id) => (id === "run1" ? run : undefined) };
    const sessions = new RunSessions(engine);
    const batches: RunEventsBatch[] = [];
    const tab: Follower = { id: "s1", send: (b) => batches.push(b) };
    sessions.connect("c", tab);
    await sessions.start("c", tab, "l", null);
    // 1.2 MiB of output at once: past the default high watermark, so some is dropped until acks come.
    for (let i = 0; i < 120; i++) for (const l of listeners) l(log("y".repeat(10 * 1024 - 1) + "\n"));
    await vi.advanceTimersByTimeAsync(50);
    const sentBytes = batches.reduce((n, b) => n + b.bytes, 0);
    expect(sentBytes).toBeLessThanOrEqual(HIGH_WATERMARK);
    sessions.ack("c", "s1", "other-run", sentBytes); // ignored
    await vi.advanceTimersByTimeAsync(50);
    expect(batches.some((b) => b.dropped)).toBe(false);
    sessions.ack("c", "s1", "run1", sentBytes);
    await vi.advanceTimersByTimeAsync(50);
    const dropped = batches.find((b) => b.dropped)?.dropped?.svc ?? 0;
    expect(dropped).toBeGreaterThan(0);
    expect(dropped + sentBytes / (10 * 1024)).toBe(120);
  });
});

describe("batches that arrive before their run is adopted", () => {
  it("are kept in order for their run, and the rest handed back to be acknowledged", () => {
    const early = new EarlyBatches<{ runId: string; n: number }>();
    early.hold({ runId: "old", n: 1 });
    early.hold({ runId: "new", n: 2 });
    early.hold({ runId: "new", n: 3 });
    expect(early.take("new")).toEqual({
      mine: [
        { runId: "new", n: 2 },
        { runId: "new", n: 3 },
      ],
      others: [{ runId: "old", n: 1 }],
    });
    expect(early.take("new")).toEqual({ mine: [], others: [] });
  });

  it("stay bounded: the oldest go first", () => {
    const early = new EarlyBatches<{ runId: string; n: number }>(2);
    expect(early.hold({ runId: "r", n: 1 })).toEqual([]);
    expect(early.hold({ runId: "r", n: 2 })).toEqual([]);
    expect(early.hold({ runId: "r", n: 3 })).toEqual([{ runId: "r", n: 1 }]);
    expect(early.take("r").mine.map((b) => b.n)).toEqual([2, 3]);
  });
});
