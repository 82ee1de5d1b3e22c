// Spans → traces → a tree → waterfall rows, as pure functions: every view of the traces panel reads these.
// Spans arrive in any order (each service exports its own batch) and a parent may never arrive at all.
import type { SpanData } from "@/sandbox/types";

export interface TraceSummary {
  traceId: string;
  /** The span without a parent here (the earliest such), else the earliest span. */
  root: SpanData;
  /** Services in the order their first span started. */
  services: string[];
  startUs: number;
  endUs: number;
  spanCount: number;
  errorCount: number;
}

export interface TraceNode {
  span: SpanData;
  children: TraceNode[];
  /** Its parent span is named but not among the spans (not exported yet, lost, or from outside the run). */
  missingParent: boolean;
}

export interface WaterfallRow {
  span: SpanData;
  depth: number;
  missingParent: boolean;
  /** Position of the bar in the trace's time, as fractions 0…1 of the whole trace. */
  offset: number;
  width: number;
}

/** The latest copy of each span, by span ID (a span can be exported twice, e.g. by a retry). */
function unique(spans: SpanData[]): SpanData[] {
  const byId = new Map<string, SpanData>();
  for (const s of spans) byId.set(`${s.traceId}/${s.spanId}`, s);
  return [...byId.values()];
}

const byStart = (a: SpanData, b: SpanData) => a.startUs - b.startUs || a.endUs - b.endUs;

/** Groups spans into traces, the most recent first (by start of the trace). */
export function groupTraces(spans: SpanData[]): TraceSummary[] {
  const groups = new Map<string, SpanData[]>();
  for (const s of unique(spans)) {
    const list = groups.get(s.traceId);
    if (list) list.push(s);
    else groups.set(s.traceId, [s]);
  }
  const out: TraceSummary[] = [];
  for (const [traceId, list] of groups) {
    list.sort(byStart);
    const ids = new Set(list.map((s) => s.spanId));
    const root = list.find((s) => !s.parentSpanId || !ids.has(s.parentSpanId)) ?? list[0];
    const services: string[] = [];
    for (const s of list) if (!services.includes(s.service)) services.push(s.service);
    out.push({
      traceId,
      root,
      services,
      startUs: list[0].startUs,
      endUs: Math.max(...list.map((s) => s.endUs)),
      spanCount: list.length,
      errorCount: list.filter((s) => s.status.code === "error").length,
    });
  }
  return out.sort((a, b) => b.startUs - a.startUs || a.traceId.localeCompare(b.traceId));
}

/** The spans of one trace as a forest: roots are spans whose parent is absent; children sorted by start. */
export function buildTree(spans: SpanData[]): TraceNode[] {
  const list = unique(spans).sort(byStart);
  const nodes = new Map<string, TraceNode>();
  for (const s of list) nodes.set(s.spanId, { span: s, children: [], missingParent: false });
  const roots: TraceNode[] = [];
  for (const node of nodes.values()) {
    const parentId = node.span.parentSpanId;
    const parent = parentId ? nodes.get(parentId) : undefined;
    if (parent && parent !== node) parent.children.push(node);
    else {
      node.missingParent = parentId !== undefined;
      roots.push(node);
    }
  }
  // Spans whose parents point at each other (a cycle: only a broken or hostile exporter does that) are reached
  // from no root; the earliest of each such group becomes a root so that no span disappears.
  const reached = new Set<TraceNode>();
  const mark = (n: TraceNode) => {
    const stack = [n];
    while (stack.length) {
      const next = stack.pop()!;
      if (reached.has(next)) continue;
      reached.add(next);
      stack.push(...next.children);
    }
  };
  roots.forEach(mark);
  for (const node of nodes.values()) {
    if (reached.has(node)) continue;
    const parent = nodes.get(node.span.parentSpanId!)!;
    parent.children = parent.children.filter((c) => c !== node);
    node.missingParent = true;
    roots.push(node);
    mark(node);
  }
  roots.sort((a, b) => byStart(a.span, b.span));
  return roots;
}

/** Depth-first rows for the waterfall, each bar placed in the trace's time span. */
export function waterfallRows(roots: TraceNode[]): WaterfallRow[] {
  const all: TraceNode[] = [];
  const collect = (n: TraceNode) => {
    all.push(n);
    n.children.forEach(collect);
  };
  roots.forEach(collect);
  if (all.length === 0) return [];
  const start = Math.min(...all.map((n) => n.span.startUs));
  const end = Math.max(...all.map((n) => n.span.endUs));
  const total = Math.max(end - start, 1);
  const rows: WaterfallRow[] = [];
  const walk = (n: TraceNode, depth: number) => {
    rows.push({
      span: n.span,
      depth,
      missingParent: n.missingParent,
      offset: (n.span.startUs - start) / total,
      width: (n.span.endUs - n.span.startUs) / total,
    });
    n.children.forEach((c) => walk(c, depth + 1));
  };
  roots.forEach((r) => walk(r, 0));
  return rows;
}

/** The spans of one trace. */
export function spansOfTrace(spans: SpanData[], traceId: string): SpanData[] {
  return spans.filter((s) => s.traceId === traceId);
}

/** "850 µs", "12.3 ms", "1.25 s": three significant digits at most. */
export function formatDuration(us: number): string {
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) return `${trim(us / 1000)} ms`;
  return `${trim(us / 1_000_000)} s`;
}

function trim(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

/** Colour slots 0…SERVICE_COLORS-1 for the services, in name order: distinct for a lesson's few services. */
export const SERVICE_COLORS = 8;
export function serviceColors(spans: SpanData[]): Map<string, number> {
  const names = [...new Set(spans.map((s) => s.service))].sort();
  return new Map(names.map((name, i) => [name, i % SERVICE_COLORS]));
}
