import { afterEach, describe, expect, it, vi } from "vitest";
import { nanosToMicros, parseSpanLine } from "../../sandbox/spans";
import { appendSpans } from "../../lib/client-run-state";
import { EventBatcher } from "../../lib/server-sessions";
import type { RunEvent, SpanData } from "../../sandbox/types";

// A line as sandbox/collector prints it for the backend's lookup span.
const line = {
  traceId: "68859454631a3bfbb27b84b6fabb21fd",
  spanId: "66926c5e06c17fe4",
  parentSpanId: "fb224350d08279c6",
  service: "backend",
  scope: "playground/tracing/backend",
  name: "inventory.lookup",
  kind: "internal",
  startTimeUnixNano: "1795613456267277139",
  endTimeUnixNano: "1795613456275660812",
  status: { code: "error", message: "unknown item" },
  attributes: { "inventory.item": "unicorn", big: "1152921504606846976", list: [1, "a"], nested: { k: true } },
  events: [{ name: "exception", timeUnixNano: "1795613456275656956", attributes: { "exception.message": "no" } }],
};

describe("span lines", () => {
  it("reads the collector's line, nanoseconds to exact microseconds", () => {
    const s = parseSpanLine(JSON.stringify(line))!;
    expect(s).toMatchObject({
      traceId: line.traceId,
      parentSpanId: "fb224350d08279c6",
      service: "backend",
      kind: "internal",
      startUs: 1795613456267277,
      endUs: 1795613456275660,
      status: { code: "error", message: "unknown item" },
    });
    expect(s.attributes.nested).toEqual({ k: true });
    expect(s.events).toEqual([
      { name: "exception", timeUs: 1795613456275656, attributes: { "exception.message": "no" } },
    ]);
    expect(nanosToMicros("1999")).toBe(1);
  });

  it("treats a missing or all-zero parent as none, and an end before the start as zero length", () => {
    const s = parseSpanLine(
      JSON.stringify({ ...line, parentSpanId: "0000000000000000", endTimeUnixNano: "1000", events: undefined }),
    )!;
    expect(s.parentSpanId).toBeUndefined();
    expect(s.endUs).toBe(s.startUs);
    expect(s.events).toEqual([]);
  });

  it("refuses what the collector would never print", () => {
    expect(parseSpanLine("not json")).toBeNull();
    expect(parseSpanLine(JSON.stringify({ ...line, traceId: "xyz" }))).toBeNull();
    expect(parseSpanLine(JSON.stringify({ ...line, kind: "weird" }))).toBeNull();
    expect(parseSpanLine(JSON.stringify({ ...line, startTimeUnixNano: 1795613456 }))).toBeNull();
    expect(parseSpanLine(JSON.stringify({ ...line, service: "" }))).toBeNull();
  });
});

describe("appendSpans", () => {
  const s = (i: number): SpanData => ({
    ...parseSpanLine(JSON.stringify(line))!,
    spanId: i.toString(16).padStart(16, "0"),
  });
  const ev = (i: number): RunEvent => ({ type: "span", span: s(i) });

  it("appends the spans of a batch and ignores other events", () => {
    const kept = [s(1)];
    const log: RunEvent = { type: "log", service: "x", stream: "stdout", text: "hi\n" };
    expect(appendSpans(kept, [log])).toBe(kept);
    expect(appendSpans(kept, [ev(2), log, ev(3)]).map((x) => x.spanId.slice(-1))).toEqual(["1", "2", "3"]);
  });

  it("drops the oldest past the limit", () => {
    const out = appendSpans([s(1), s(2)], [ev(3), ev(4), ev(5)], 3);
    expect(out.map((x) => x.spanId.slice(-1))).toEqual(["3", "4", "5"]);
  });
});

describe("span events on the socket", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("wait for the batch delay like log text, so a burst of spans is one message", async () => {
    vi.useFakeTimers();
    const sent: RunEvent[][] = [];
    const batcher = new EventBatcher("r", (b) => sent.push(b.events), 25);
    const span = parseSpanLine(JSON.stringify(line))!;
    for (let i = 0; i < 3; i++) batcher.push({ type: "span", span });
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(25);
    expect(sent.map((b) => b.length)).toEqual([3]);
  });
});
