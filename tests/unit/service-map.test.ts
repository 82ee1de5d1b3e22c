import { describe, expect, it } from "vitest";
import {
  ENTRY_NODE,
  buildServiceMap,
  layerNodes,
  layoutServiceMap,
  percentile,
  type ServiceMap,
} from "../../components/traces/service-map";
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

/** One checkout: frontend server (parent from the request panel, never exported) → client → backend server. */
function checkout(traceId: string, n: number, clientUs: number, error = false): SpanData[] {
  const id = (prefix: string) => `${prefix}${String(n).padStart(15, "0")}`;
  return [
    span({ traceId, spanId: id("a"), parentSpanId: "00f067aa0ba902b7", kind: "server", startUs: 0, endUs: 900 }),
    span({ traceId, spanId: id("b"), parentSpanId: id("a"), kind: "client", startUs: 10, endUs: 10 + clientUs }),
    span({
      traceId,
      spanId: id("c"),
      parentSpanId: id("b"),
      service: "backend",
      kind: "server",
      startUs: 20,
      endUs: 20 + clientUs / 2,
      status: error ? { code: "error", message: "503" } : { code: "unset" },
    }),
    span({ traceId, spanId: id("d"), parentSpanId: id("c"), service: "backend", startUs: 30, endUs: 40 }),
  ];
}

const edge = (map: ServiceMap, from: string, to: string) => map.edges.find((e) => e.from === from && e.to === to);

describe("buildServiceMap", () => {
  it("turns client → server pairs into edges with calls, errors and the caller's p50", () => {
    const spans = [...checkout(T1, 1, 100), ...checkout(T1, 2, 300, true), ...checkout(T2, 3, 200)];
    const map = buildServiceMap(spans);
    expect(map.nodes.map((n) => n.id)).toEqual([ENTRY_NODE, "backend", "frontend"]);
    expect(map.edges).toEqual([
      { from: ENTRY_NODE, to: "frontend", calls: 3, errors: 0, p50Us: 900 },
      { from: "frontend", to: "backend", calls: 3, errors: 1, p50Us: 200 },
    ]);
    const backend = map.nodes.find((n) => n.id === "backend")!;
    expect(backend).toMatchObject({ kind: "service", spanCount: 6, errorCount: 1 });
    expect(map.nodes[0]).toMatchObject({ kind: "entry", label: "client" });
  });

  it("counts a span exported twice once", () => {
    const spans = checkout(T1, 1, 100);
    expect(buildServiceMap([...spans, ...spans]).edges.map((e) => e.calls)).toEqual([1, 1]);
  });

  it("gives the same map whatever order the spans arrive in", () => {
    const spans = [...checkout(T1, 1, 100), ...checkout(T2, 2, 50, true)];
    const expected = buildServiceMap(spans);
    for (const order of [
      [...spans].reverse(),
      [spans[5], spans[2], spans[7], spans[0], spans[4], spans[1], spans[6], spans[3]],
    ]) {
      expect(buildServiceMap(order)).toEqual(expected);
    }
  });

  it("treats a server span whose parent is missing as an entry from the client", () => {
    // Only backend's spans are in so far: its caller's client span has not arrived.
    const [, , backendServer, backendChild] = checkout(T1, 1, 100);
    const map = buildServiceMap([backendServer, backendChild]);
    expect(map.edges).toEqual([{ from: ENTRY_NODE, to: "backend", calls: 1, errors: 0, p50Us: 50 }]);
    // A root server span without any parent ID is an entry too.
    const root = span({ spanId: "e000000000000001", kind: "server", startUs: 0, endUs: 70 });
    expect(buildServiceMap([root]).edges).toEqual([
      { from: ENTRY_NODE, to: "frontend", calls: 1, errors: 0, p50Us: 70 },
    ]);
  });

  it("sends a client span that no server span answered to the peer it names", () => {
    const [frontendServer, client] = checkout(T1, 1, 100);
    const refused = {
      ...client,
      attributes: { "server.address": "inventory-service" },
      status: { code: "error" as const },
    };
    const map = buildServiceMap([frontendServer, refused]);
    expect(edge(map, "frontend", "@peer:inventory-service")).toMatchObject({ calls: 1, errors: 1 });
    expect(map.nodes.find((n) => n.id === "@peer:inventory-service")).toMatchObject({
      kind: "external",
      label: "inventory-service",
    });
    // Once that service has spans of its own, the same address is that service's node.
    const other = span({
      spanId: "f000000000000001",
      service: "inventory-service",
      kind: "server",
      startUs: 0,
      endUs: 5,
    });
    const later = buildServiceMap([frontendServer, refused, other]);
    expect(edge(later, "frontend", "inventory-service")).toMatchObject({ calls: 1, errors: 1 });
    expect(later.nodes.some((n) => n.kind === "external")).toBe(false);
  });

  it("shows retries as several calls from one server span", () => {
    const buy = span({ spanId: "a000000000000001", service: "shop", kind: "server", startUs: 0, endUs: 1000 });
    const tries = [1, 2, 3].flatMap((i) => [
      span({
        spanId: `b00000000000000${i}`,
        parentSpanId: buy.spanId,
        service: "shop",
        kind: "client",
        startUs: i * 100,
        endUs: i * 100 + i * 10,
        status: { code: i < 3 ? "error" : "unset" },
      }),
      span({
        spanId: `c00000000000000${i}`,
        parentSpanId: `b00000000000000${i}`,
        service: "inventory",
        kind: "server",
        startUs: i * 100 + 1,
        endUs: i * 100 + 5,
      }),
    ]);
    expect(edge(buildServiceMap([buy, ...tries]), "shop", "inventory")).toEqual({
      from: "shop",
      to: "inventory",
      calls: 3,
      errors: 2,
      p50Us: 20,
    });
  });

  it("ignores a nested server span in the same service and internal spans", () => {
    const outer = span({ spanId: "a000000000000001", kind: "server", startUs: 0, endUs: 10 });
    const inner = span({
      spanId: "a000000000000002",
      parentSpanId: outer.spanId,
      kind: "server",
      startUs: 1,
      endUs: 9,
    });
    const work = span({ spanId: "a000000000000003", parentSpanId: inner.spanId, startUs: 2, endUs: 3 });
    expect(buildServiceMap([outer, inner, work]).edges).toEqual([
      { from: ENTRY_NODE, to: "frontend", calls: 1, errors: 0, p50Us: 10 },
    ]);
  });

  it("is empty without spans", () => {
    expect(buildServiceMap([])).toEqual({ nodes: [], edges: [] });
  });
});

describe("percentile", () => {
  it("is the nearest-rank value", () => {
    expect(percentile([], 50)).toBe(0);
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([4, 1, 3, 2], 50)).toBe(2);
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([5, 1, 4, 2, 3], 95)).toBe(5);
  });
});

describe("layerNodes and layoutServiceMap", () => {
  const node = (id: string) => ({ id, label: id, kind: "service" as const, spanCount: 1, errorCount: 0 });
  const e = (from: string, to: string) => ({ from, to, calls: 1, errors: 0, p50Us: 1 });

  it("puts each service one column right of its furthest caller", () => {
    const map: ServiceMap = {
      nodes: [node(ENTRY_NODE), node("a"), node("b"), node("c")],
      edges: [e(ENTRY_NODE, "a"), e("a", "b"), e("b", "c"), e("a", "c")],
    };
    expect(Object.fromEntries(layerNodes(map))).toEqual({ [ENTRY_NODE]: 0, a: 1, b: 2, c: 3 });
  });

  it("survives a cycle", () => {
    const map: ServiceMap = { nodes: [node("a"), node("b")], edges: [e("a", "b"), e("b", "a"), e("a", "a")] };
    expect(Object.fromEntries(layerNodes(map))).toEqual({ a: 0, b: 1 });
  });

  it("places columns left to right and centres each column", () => {
    const map: ServiceMap = {
      nodes: [node(ENTRY_NODE), node("a"), node("b")],
      edges: [e(ENTRY_NODE, "a"), e(ENTRY_NODE, "b")],
    };
    const size = { columnGap: 100, rowGap: 50, marginX: 10, marginY: 20 };
    const layout = layoutServiceMap(map, size);
    expect(layout.width).toBe(120);
    expect(layout.height).toBe(90);
    const at = Object.fromEntries(layout.nodes.map((n) => [n.id, [n.x, n.y]]));
    expect(at).toEqual({ [ENTRY_NODE]: [10, 45], a: [110, 20], b: [110, 70] });
  });
});
