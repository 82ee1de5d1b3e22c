// A run's replayable history: a bounded ring of log chunks per service, merged back into arrival order.
import { describe, expect, it } from "vitest";
import { LogRing, RunHistory } from "@/sandbox/history";
import type { RunEvent } from "@/sandbox/types";

const log = (service: string, text: string): Extract<RunEvent, { type: "log" }> => ({
  type: "log",
  service,
  stream: "stdout",
  text,
});

describe("LogRing", () => {
  it("keeps the newest chunks within its size and counts the lines it let go", () => {
    const ring = new LogRing(20);
    for (let i = 0; i < 10; i++) ring.push(i, log("a", `line ${i}\n`)); // 7 characters each
    expect(ring.size.bytes).toBeLessThanOrEqual(20);
    expect(ring.list().map((e) => e.event.text)).toEqual(["line 8\n", "line 9\n"]);
    expect(ring.droppedLines).toBe(8);
    expect(ring.list().map((e) => e.seq)).toEqual([8, 9]);
  });

  it("grows past its first capacity and wraps without losing order", () => {
    const ring = new LogRing(1000);
    for (let i = 0; i < 100; i++) ring.push(i, log("a", `${i}\n`));
    expect(ring.list().map((e) => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const small = new LogRing(10);
    for (let i = 0; i < 1000; i++) small.push(i, log("a", "12345\n"));
    expect(small.list().map((e) => e.seq)).toEqual([999]);
    expect(small.droppedChunks).toBe(999);
  });

  it("keeps the newest chunk even when it alone is larger than the ring", () => {
    const ring = new LogRing(4);
    ring.push(0, log("a", "ab\n"));
    ring.push(1, log("a", "too long for it\n"));
    expect(ring.list().map((e) => e.event.text)).toEqual(["too long for it\n"]);
  });
});

describe("RunHistory", () => {
  it("replays every kept event in arrival order across services", () => {
    const h = new RunHistory(1000);
    h.push({ type: "stage", service: "a", stage: "building", at: 1 });
    h.push(log("a", "a1\n"));
    h.push(log("b", "b1\n"));
    h.push({ type: "stage", service: "b", stage: "running", at: 2 });
    h.push(log("a", "a2\n"));
    expect(h.replay()).toEqual([
      { type: "stage", service: "a", stage: "building", at: 1 },
      log("a", "a1\n"),
      log("b", "b1\n"),
      { type: "stage", service: "b", stage: "running", at: 2 },
      log("a", "a2\n"),
    ]);
  });

  it("bounds each service on its own: a flooding service does not push out a quiet one's lines", () => {
    const h = new RunHistory(100);
    h.push(log("quiet", "started on :8080\n"));
    for (let i = 0; i < 10_000; i++) h.push(log("loud", `flood ${i}\n`));
    const replay = h.replay();
    expect(replay).toContainEqual(log("quiet", "started on :8080\n"));
    const loud = replay.filter((e) => e.type === "log" && e.service === "loud" && e.stream === "stdout");
    expect(loud.reduce((n, e) => n + (e.type === "log" ? e.text.length : 0), 0)).toBeLessThanOrEqual(100);
    // The gap is named with its exact size.
    const kept = loud.length;
    expect(replay[0]).toEqual({
      type: "log",
      service: "loud",
      stream: "system",
      text: `… ${10_000 - kept} earlier lines of output are not kept; the most recent follow\n`,
    });
  });

  it("caps the other events too", () => {
    const h = new RunHistory(100, 10);
    for (let i = 0; i < 25; i++) h.push({ type: "queue", position: i });
    const replay = h.replay();
    expect(replay.length).toBeLessThanOrEqual(10);
    expect(replay[replay.length - 1]).toEqual({ type: "queue", position: 24 });
  });

  it("bounds spans on their own: a busy traced run keeps its stage changes", () => {
    const h = new RunHistory(100, 10, 50);
    h.push({ type: "stage", service: "a", stage: "running", at: 1 });
    const span = (i: number): RunEvent => ({
      type: "span",
      span: {
        traceId: "0".repeat(32),
        spanId: i.toString(16).padStart(16, "0"),
        service: "a",
        name: `span ${i}`,
        kind: "server",
        startUs: i,
        endUs: i + 1,
        status: { code: "unset" },
        attributes: {},
        events: [],
      },
    });
    for (let i = 0; i < 200; i++) h.push(span(i));
    const replay = h.replay();
    expect(replay[0]).toMatchObject({ type: "stage", stage: "running" });
    const spans = replay.filter((e) => e.type === "span");
    expect(spans.length).toBeLessThanOrEqual(50);
    expect(spans.at(-1)).toEqual(span(199));
  });
});

describe("RunHistory bounds in bytes", () => {
  const bigSpan = (i: number, pad: number): RunEvent => ({
    type: "span",
    span: {
      traceId: "0".repeat(32),
      spanId: i.toString(16).padStart(16, "0"),
      service: "a",
      name: `span ${i}`,
      kind: "server",
      startUs: i,
      endUs: i + 1,
      status: { code: "unset" },
      attributes: { pad: "p".repeat(pad) },
      events: [],
    },
  });

  it("keeps spans within their byte bound, not only their count, the newest last", () => {
    const h = new RunHistory(100, 10, 5000, 100_000);
    for (let i = 0; i < 500; i++) h.push(bigSpan(i, 2000));
    expect(h.spanSize.bytes).toBeLessThanOrEqual(100_000);
    expect(h.spanSize.count).toBeGreaterThan(20);
    expect(h.replay().at(-1)).toEqual(bigSpan(499, 2000));
  });

  it("with the default bounds, 5,000 spans of 250 KiB are not kept (the flood that a count alone allowed)", () => {
    const h = new RunHistory();
    for (let i = 0; i < 200; i++) h.push(bigSpan(i, 256 * 1024));
    expect(h.spanSize.bytes).toBeLessThanOrEqual(4 * 1024 * 1024);
  });

  it("bounds the other events in bytes, keeping the newest even when it alone is larger", () => {
    const h = new RunHistory(100, 4096, 10, 10, 1000);
    for (let i = 0; i < 50; i++) h.push({ type: "stage", service: "x".repeat(100), stage: "running", at: i });
    const kept = h.replay();
    expect(JSON.stringify(kept).length).toBeLessThanOrEqual(1000);
    expect(kept.at(-1)).toMatchObject({ at: 49 });
    h.push({ type: "stage", service: "y".repeat(5000), stage: "running", at: 50 });
    expect(h.replay()).toEqual([{ type: "stage", service: "y".repeat(5000), stage: "running", at: 50 }]);
  });
});
