import { describe, expect, it } from "vitest";
import {
  buildTree,
  formatDuration,
  groupTraces,
  serviceColors,
  waterfallRows,
} from "../../components/traces/trace-model";
import type { SpanData } from "../../sandbox/types";

const T1 = "4bf92f3577b34da6a3ce929d0e0e4736";
const T2 = "0af7651916cd43dd8448eb211c80319c";

function span(p: Partial<SpanData> & Pick<SpanData, "spanId" | "startUs" | "endUs">): SpanData {
  return {
    traceId: T1,
    service: "frontend",
    name: p.spanId,
    kind: "internal",
    status: { code: "unset" },
    attributes: {},
    events: [],
    ...p,
  };
}

// One checkout: frontend server → frontend client → backend server → two backend children.
const checkout: SpanData[] = [
  span({ spanId: "a000000000000001", name: "GET /checkout", kind: "server", startUs: 1000, endUs: 1100 }),
  span({ spanId: "a000000000000002", parentSpanId: "a000000000000001", kind: "client", startUs: 1010, endUs: 1090 }),
  span({
    spanId: "b000000000000001",
    parentSpanId: "a000000000000002",
    service: "backend",
    kind: "server",
    startUs: 1020,
    endUs: 1080,
  }),
  span({
    spanId: "b000000000000003",
    parentSpanId: "b000000000000001",
    service: "backend",
    startUs: 1060,
    endUs: 1070,
  }),
  span({
    spanId: "b000000000000002",
    parentSpanId: "b000000000000001",
    service: "backend",
    startUs: 1025,
    endUs: 1055,
    status: { code: "error", message: "unknown item" },
  }),
];

describe("groupTraces", () => {
  it("summarises each trace: root, services in order, duration, errors; newest first", () => {
    const other = span({ traceId: T2, spanId: "c000000000000001", service: "solo", startUs: 5000, endUs: 5400 });
    const traces = groupTraces([...checkout].reverse().concat(other));
    expect(traces.map((t) => t.traceId)).toEqual([T2, T1]);
    const t = traces[1];
    expect(t.root.name).toBe("GET /checkout");
    expect(t.services).toEqual(["frontend", "backend"]);
    expect([t.startUs, t.endUs, t.spanCount, t.errorCount]).toEqual([1000, 1100, 5, 1]);
  });

  it("picks the earliest parentless span as root when the real root has not arrived", () => {
    const [t] = groupTraces(checkout.slice(2));
    expect(t.root.spanId).toBe("b000000000000001");
  });

  it("counts a span exported twice once", () => {
    const [t] = groupTraces([...checkout, checkout[0]]);
    expect(t.spanCount).toBe(5);
  });
});

describe("buildTree and waterfallRows", () => {
  it("nests spans by parent whatever order they arrive in, children by start time", () => {
    for (const order of [
      checkout,
      [...checkout].reverse(),
      [checkout[3], checkout[0], checkout[4], checkout[2], checkout[1]],
    ]) {
      const rows = waterfallRows(buildTree(order));
      expect(rows.map((r) => [r.span.spanId, r.depth])).toEqual([
        ["a000000000000001", 0],
        ["a000000000000002", 1],
        ["b000000000000001", 2],
        ["b000000000000002", 3],
        ["b000000000000003", 3],
      ]);
    }
  });

  it("places bars as fractions of the trace", () => {
    const rows = waterfallRows(buildTree(checkout));
    expect(rows[0]).toMatchObject({ offset: 0, width: 1 });
    expect(rows[2].offset).toBeCloseTo(0.2);
    expect(rows[2].width).toBeCloseTo(0.6);
  });

  it("makes a span whose parent is missing a root, marked as such", () => {
    const roots = buildTree(checkout.filter((s) => s.spanId !== "a000000000000002"));
    expect(roots.map((r) => [r.span.spanId, r.missingParent])).toEqual([
      ["a000000000000001", false],
      ["b000000000000001", true],
    ]);
    expect(roots[1].children).toHaveLength(2);
  });

  it("keeps every span of a parent cycle instead of looping", () => {
    const cycle = [
      span({ spanId: "d000000000000001", parentSpanId: "d000000000000002", startUs: 1, endUs: 5 }),
      span({ spanId: "d000000000000002", parentSpanId: "d000000000000001", startUs: 2, endUs: 4 }),
      span({ spanId: "d000000000000003", parentSpanId: "d000000000000003", startUs: 3, endUs: 4 }),
    ];
    const rows = waterfallRows(buildTree(cycle));
    expect(rows.map((r) => r.span.spanId).sort()).toEqual(cycle.map((s) => s.spanId));
  });

  it("draws an empty trace as no rows and a zero-length trace without dividing by zero", () => {
    expect(waterfallRows([])).toEqual([]);
    const [row] = waterfallRows(buildTree([span({ spanId: "e000000000000001", startUs: 7, endUs: 7 })]));
    expect(row).toMatchObject({ offset: 0, width: 0 });
  });
});

describe("helpers", () => {
  it("formats durations with at most three significant digits", () => {
    expect([850, 12_345, 250_000, 1_250_000, 42_000_000].map(formatDuration)).toEqual([
      "850 µs",
      "12.3 ms",
      "250 ms",
      "1.25 s",
      "42.0 s",
    ]);
  });

  it("gives each service its own colour, the same for any order of spans", () => {
    const a = serviceColors(checkout);
    expect(a.get("backend")).not.toBe(a.get("frontend"));
    expect(serviceColors([...checkout].reverse())).toEqual(a);
  });
});
