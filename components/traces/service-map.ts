// Spans → a service map of the run (services as nodes, calls as edges with counts and latency), as pure functions.
// A call is a client span in one service whose child server span is in another; spans arrive in any order and a
// parent may never arrive, so the map is recomputed from all spans each time and never depends on their order.
import type { SpanData, SpanKind } from "@/sandbox/types";

/** The node a request enters from when its first server span has no parent here (the request panel, curl…). */
export const ENTRY_NODE = "@client";

export type MapNodeKind = "entry" | "service" | "external";

export interface MapNode {
  /** A service's name; ENTRY_NODE; or "@peer:<address>" for a peer that sent no spans of its own. */
  id: string;
  label: string;
  kind: MapNodeKind;
  /** Spans the service exported (0 for the entry and external peers). */
  spanCount: number;
  errorCount: number;
}

export interface MapEdge {
  from: string;
  to: string;
  calls: number;
  /** Calls whose client span or server span ended in error. */
  errors: number;
  /** Median latency in microseconds, as the caller saw it (its client span) when it sent one. */
  p50Us: number;
}

export interface ServiceMap {
  nodes: MapNode[];
  edges: MapEdge[];
}

const CALLER_KINDS: SpanKind[] = ["client", "producer"];
const CALLEE_KINDS: SpanKind[] = ["server", "consumer"];

/** The latest copy of each span, by trace and span ID (as the waterfall does). */
function unique(spans: SpanData[]): SpanData[] {
  const byId = new Map<string, SpanData>();
  for (const s of spans) byId.set(key(s.traceId, s.spanId), s);
  return [...byId.values()];
}

const key = (traceId: string, spanId: string) => `${traceId}/${spanId}`;
const isError = (s: SpanData | undefined) => s?.status.code === "error";
const duration = (s: SpanData) => s.endUs - s.startUs;

/** Nearest-rank percentile (p in 0…100) of values; 0 for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

/** Where a client span went when the callee sent no span: the address the HTTP instrumentation recorded. */
function peerOf(s: SpanData): string {
  for (const k of ["server.address", "net.peer.name", "peer.service"]) {
    const v = s.attributes[k];
    if (typeof v === "string" && v) return v;
  }
  return "unknown";
}

export function buildServiceMap(input: SpanData[]): ServiceMap {
  const spans = unique(input);
  const byKey = new Map(spans.map((s) => [key(s.traceId, s.spanId), s]));
  const services = new Map<string, MapNode>();
  for (const s of spans) {
    const node = services.get(s.service) ?? {
      id: s.service,
      label: s.service,
      kind: "service" as const,
      spanCount: 0,
      errorCount: 0,
    };
    node.spanCount++;
    if (isError(s)) node.errorCount++;
    services.set(s.service, node);
  }

  const calls = new Map<string, { from: string; to: string; latencies: number[]; errors: number }>();
  const addCall = (from: string, to: string, latencyUs: number, error: boolean) => {
    const k = `${from}\u0000${to}`;
    const c = calls.get(k) ?? { from, to, latencies: [], errors: 0 };
    c.latencies.push(latencyUs);
    if (error) c.errors++;
    calls.set(k, c);
  };

  // Each server span is the far end of one call; its parent says who made it.
  const answered = new Set<SpanData>();
  for (const callee of spans) {
    if (!CALLEE_KINDS.includes(callee.kind)) continue;
    const parent = callee.parentSpanId ? byKey.get(key(callee.traceId, callee.parentSpanId)) : undefined;
    if (!parent) {
      // No parent span here: the caller is outside the run (or its span is not in yet): an entry.
      addCall(ENTRY_NODE, callee.service, duration(callee), isError(callee));
      continue;
    }
    // A nested server span in the same service (e.g. a second middleware) is not a call between services.
    if (parent.service === callee.service) continue;
    if (CALLER_KINDS.includes(parent.kind)) {
      answered.add(parent);
      addCall(parent.service, callee.service, duration(parent), isError(parent) || isError(callee));
    } else {
      addCall(parent.service, callee.service, duration(callee), isError(callee));
    }
  }

  // Client spans that no server span answered: the callee is untraced, down, or its span has not arrived yet.
  // A peer address that names a service of the map is that service (its span will come), else a peer of its own.
  const externals = new Map<string, MapNode>();
  for (const caller of spans) {
    if (!CALLER_KINDS.includes(caller.kind) || answered.has(caller)) continue;
    const peer = peerOf(caller);
    let to = peer;
    if (!services.has(peer)) {
      to = `@peer:${peer}`;
      if (!externals.has(to)) externals.set(to, { id: to, label: peer, kind: "external", spanCount: 0, errorCount: 0 });
    }
    if (to === caller.service) continue;
    addCall(caller.service, to, duration(caller), isError(caller));
  }

  const edges: MapEdge[] = [...calls.values()]
    .map((c) => ({
      from: c.from,
      to: c.to,
      calls: c.latencies.length,
      errors: c.errors,
      p50Us: percentile(c.latencies, 50),
    }))
    .sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  const nodes: MapNode[] = [];
  if (edges.some((e) => e.from === ENTRY_NODE)) {
    nodes.push({ id: ENTRY_NODE, label: "client", kind: "entry", spanCount: 0, errorCount: 0 });
  }
  nodes.push(...[...services.values()].sort((a, b) => a.id.localeCompare(b.id)));
  nodes.push(...[...externals.values()].sort((a, b) => a.id.localeCompare(b.id)));
  return { nodes, edges };
}

/**
 * Columns for a left-to-right drawing: each node one column right of its furthest caller (longest path), with
 * calls that close a cycle ignored. The entry is column 0; a node nobody calls starts a column 0 of its own.
 */
export function layerNodes(map: ServiceMap): Map<string, number> {
  const ids = map.nodes.map((n) => n.id);
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of map.edges) if (e.from !== e.to) out.get(e.from)?.push(e.to);

  // Depth-first from the entry first, then from every other node in order: an edge to a node still on the stack
  // closes a cycle and is dropped, so what remains is acyclic.
  const state = new Map<string, "open" | "done">();
  const kept: [string, string][] = [];
  const visit = (id: string) => {
    state.set(id, "open");
    for (const to of out.get(id) ?? []) {
      if (state.get(to) === "open") continue;
      kept.push([id, to]);
      if (!state.has(to)) visit(to);
    }
    state.set(id, "done");
  };
  for (const id of ids) if (!state.has(id)) visit(id);

  const layer = new Map<string, number>(ids.map((id) => [id, 0]));
  // Longest path on a DAG of n nodes settles within n rounds of relaxation.
  for (let round = 0; round < ids.length; round++) {
    let changed = false;
    for (const [from, to] of kept) {
      const next = (layer.get(from) ?? 0) + 1;
      if (next > (layer.get(to) ?? 0)) {
        layer.set(to, next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return layer;
}

export interface PlacedNode extends MapNode {
  x: number;
  y: number;
}

export interface MapLayout {
  nodes: PlacedNode[];
  width: number;
  height: number;
}

/** Node centres on a grid: a column per layer, nodes of a column stacked in map order and centred vertically. */
export function layoutServiceMap(
  map: ServiceMap,
  size = { columnGap: 190, rowGap: 78, marginX: 80, marginY: 46 },
): MapLayout {
  const layers = layerNodes(map);
  const columns = new Map<number, MapNode[]>();
  for (const n of map.nodes) {
    const l = layers.get(n.id) ?? 0;
    columns.set(l, [...(columns.get(l) ?? []), n]);
  }
  const tallest = Math.max(1, ...[...columns.values()].map((c) => c.length));
  const height = size.marginY * 2 + (tallest - 1) * size.rowGap;
  const widest = Math.max(0, ...columns.keys());
  const width = size.marginX * 2 + widest * size.columnGap;
  const nodes: PlacedNode[] = [];
  for (const [l, column] of columns) {
    const top = (height - (column.length - 1) * size.rowGap) / 2;
    column.forEach((n, i) => nodes.push({ ...n, x: size.marginX + l * size.columnGap, y: top + i * size.rowGap }));
  }
  return { nodes, width, height };
}
