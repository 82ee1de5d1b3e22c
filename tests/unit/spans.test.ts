import { afterEach, describe, expect, it, vi } from "vitest";
import { jsonDepthWithin, nanosToMicros, parseSpanLine, readSpanLine, spanBytes, SpanRate } from "../../sandbox/spans";
import {
  MAX_ATTRIBUTE_ITEMS,
  MAX_ATTRIBUTE_STRING,
  MAX_MARKER_LINE_BYTES,
  MAX_SPAN_JSON_DEPTH,
} from "../../sandbox/limits";
import { appendSpans } from "../../lib/client/run-state";
import { EventBatcher } from "../../lib/server/sessions";
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

describe("hostile span lines", () => {
  const withAttribute = (json: string): string =>
    JSON.stringify({ ...line, attributes: { deep: "DEEP" } }).replace('"DEEP"', json);

  it("refuses a line nested 5,000 deep without walking it (no stack overflow)", () => {
    const deep = withAttribute("[".repeat(5000) + "]".repeat(5000));
    expect(deep.length).toBeLessThan(MAX_MARKER_LINE_BYTES);
    expect(() => readSpanLine(deep)).not.toThrow();
    expect(readSpanLine(deep)).toEqual({ span: null, why: "it is nested too deeply" });
    // Unbalanced is refused the same way: the scan never needs the closing half.
    expect(readSpanLine(withAttribute("[".repeat(5000)))).toMatchObject({ span: null });
  });

  it("refuses a million-deep line by its length, and scans one in a single pass", () => {
    const million = "[".repeat(1_000_000);
    expect(readSpanLine(withAttribute(million))).toEqual({ span: null, why: "it is too long" });
    const started = performance.now();
    expect(jsonDepthWithin(million, MAX_SPAN_JSON_DEPTH)).toBe(false);
    expect(jsonDepthWithin(`"${million}"`, 1)).toBe(true); // inside a string it is text
    expect(jsonDepthWithin('["\\"]', 1)).toBe(true); // an escaped backslash ends before the quote
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("keeps the collector's deepest span whole and cuts deeper values to …", () => {
    const four = [[[["x"]]]];
    const ok = readSpanLine(
      JSON.stringify({
        ...line,
        attributes: { four },
        events: [{ name: "e", timeUnixNano: "1", attributes: { four } }],
      }),
    );
    expect(ok.span?.attributes.four).toEqual(four);
    expect(ok.span?.events[0].attributes.four).toEqual(four);
    expect(ok).toMatchObject({ cut: 0 });
    const five = readSpanLine(withAttribute(JSON.stringify([[[[["x"]]]]])));
    expect(five.span?.attributes.deep).toEqual([[[["…"]]]]);
    expect(five).toMatchObject({ cut: 1 });
  });

  it("cuts long strings, long lists and many keys, and counts the cuts", () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
    const read = readSpanLine(
      JSON.stringify({
        ...line,
        attributes: {
          long: "é".repeat(MAX_ATTRIBUTE_STRING + 10),
          emoji: `${"a".repeat(MAX_ATTRIBUTE_STRING - 1)}😀`,
          list: Array.from({ length: 1000 }, (_, i) => i),
          map: many,
        },
      }),
    );
    const a = read.span!.attributes;
    expect(a.long).toBe(`${"é".repeat(MAX_ATTRIBUTE_STRING)}…`);
    // Half of a surrogate pair is not left behind.
    expect(a.emoji).toBe(`${"a".repeat(MAX_ATTRIBUTE_STRING - 1)}…`);
    expect(a.list).toHaveLength(MAX_ATTRIBUTE_ITEMS);
    expect(Object.keys(a.map as object)).toHaveLength(MAX_ATTRIBUTE_ITEMS);
    expect(read).toMatchObject({ cut: 4 });
    const top = readSpanLine(JSON.stringify({ ...line, attributes: many }));
    expect(Object.keys(top.span!.attributes)).toHaveLength(MAX_ATTRIBUTE_ITEMS);
  });

  it('keeps a "__proto__" key as data, never as a prototype', () => {
    const read = readSpanLine(withAttribute('{"__proto__":{"polluted":true}}'));
    const deep = read.span!.attributes.deep as Record<string, unknown>;
    expect(Object.getPrototypeOf(deep)).toBe(Object.prototype);
    expect(Object.keys(deep)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("reads a line with invalid UTF-8 (decoded to U+FFFD) or lone surrogates without throwing", () => {
    const [before, after] = JSON.stringify({ ...line, name: "b#d" }).split("#");
    const bytes = Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xc3, 0x28]), Buffer.from(after)]);
    const read = readSpanLine(bytes.toString("utf8"));
    expect(read.span?.name).toBe("b\ufffd\ufffd(d");
    expect(readSpanLine(withAttribute('"\\ud800"')).span?.attributes.deep).toBe("\ud800");
    for (const junk of ["", "{", "[]", "null", '{"traceId":1}', "\u0000", "1e999999"])
      expect(() => readSpanLine(junk)).not.toThrow();
  });

  it("measures a span once, as sent", () => {
    const span = parseSpanLine(JSON.stringify(line))!;
    expect(spanBytes(span)).toBe(JSON.stringify(span).length);
    span.name = "x".repeat(10_000); // measured already: the same object is not measured again
    expect(spanBytes(span)).toBeLessThan(10_000);
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

describe("the rate at which a collector's spans are read", () => {
  it("lets a burst through, then the steady rate, and says once per stretch of refusals", () => {
    let now = 0;
    const rate = new SpanRate(3, 10, () => now);
    expect([rate.take(), rate.take(), rate.take()].every((r) => r.ok)).toBe(true);
    expect(rate.take()).toEqual({ ok: false, notice: true });
    expect(rate.take()).toEqual({ ok: false, notice: false });
    now += 100; // one token back at 10 a second
    expect(rate.take()).toEqual({ ok: true, notice: false });
    expect(rate.take()).toEqual({ ok: false, notice: true });
    expect(rate.dropped).toBe(3);
    now += 60_000; // refills to the burst, no more
    expect([rate.take(), rate.take(), rate.take(), rate.take()].map((r) => r.ok)).toEqual([true, true, true, false]);
  });
});
