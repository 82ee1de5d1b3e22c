"use client";
// The service map of the run as SVG: services in columns left to right, each call edge labelled with its counts.
import { useMemo } from "react";
import { t, type UiLang } from "@/lib/shared/ui-text";
import type { SpanData } from "@/sandbox/types";
import { buildServiceMap, layoutServiceMap, type MapEdge, type PlacedNode } from "./service-map";
import { formatDuration, serviceColors } from "./trace-model";

const NODE_W = 104;
const NODE_H = 38;
/** Room between two columns for an edge's two-line label; small enough that three columns fit a narrow panel. */
const SIZE = { columnGap: NODE_W + 104, rowGap: NODE_H + 40, marginX: NODE_W / 2 + 6, marginY: NODE_H / 2 + 22 };

export function ServiceMapView({
  lang,
  spans,
  faulty,
  onPickEdge,
}: {
  lang: UiLang;
  spans: SpanData[];
  /** "from→to" of the links with a fault in force: their arrows are drawn as faulty. */
  faulty?: Set<string>;
  /** Clicking an arrow picks its link for the fault panel. */
  onPickEdge?: (from: string, to: string) => void;
}) {
  const map = useMemo(() => buildServiceMap(spans), [spans]);
  const layout = useMemo(() => layoutServiceMap(map, SIZE), [map]);
  const colors = useMemo(() => serviceColors(spans), [spans]);
  const at = new Map(layout.nodes.map((n) => [n.id, n]));
  const calls = map.edges.reduce((sum, e) => sum + e.calls, 0);

  return (
    <section className="traces-waterfall traces-map" aria-label={t(lang, "traces.serviceMap")}>
      <header className="wf-head">
        <span className="wf-title">
          <strong>{t(lang, "traces.serviceMap")}</strong>
          <span className="muted">
            {map.nodes.filter((n) => n.kind === "service").length} {t(lang, "traces.servicesWord")} · {calls}{" "}
            {t(lang, "traces.calls")}
          </span>
        </span>
      </header>
      <div className="map-canvas">
        <svg
          viewBox={`0 0 ${layout.width} ${layout.height}`}
          width={layout.width}
          height={layout.height}
          role="img"
          aria-label={map.edges.map((e) => `${label(at, e.from)} → ${label(at, e.to)}: ${e.calls}`).join("; ")}
        >
          <defs>
            <marker id="map-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
              <path d="M0,0 L10,5 L0,10 z" className="map-arrowhead" />
            </marker>
          </defs>
          {map.edges.map((e) => {
            const from = at.get(e.from);
            const to = at.get(e.to);
            return from && to ? (
              <Edge
                key={`${e.from}→${e.to}`}
                lang={lang}
                edge={e}
                from={from}
                to={to}
                faulty={faulty?.has(`${from.label}→${to.label}`) ?? false}
                onPick={onPickEdge && (() => onPickEdge(from.label, to.label))}
              />
            ) : null;
          })}
          {layout.nodes.map((n) => (
            <Node key={n.id} lang={lang} node={n} color={colors.get(n.id) ?? 0} />
          ))}
        </svg>
      </div>
      <p className="map-note muted">{t(lang, "traces.mapNote")}</p>
    </section>
  );
}

const label = (at: Map<string, PlacedNode>, id: string) => at.get(id)?.label ?? id;

function Node({ lang, node, color }: { lang: UiLang; node: PlacedNode; color: number }) {
  const service = node.kind === "service";
  return (
    <g
      className={`map-node map-${node.kind}${service ? ` svc-${color}` : ""}`}
      data-node={node.label}
      data-kind={node.kind}
      transform={`translate(${node.x - NODE_W / 2}, ${node.y - NODE_H / 2})`}
    >
      <title>
        {node.kind === "entry"
          ? t(lang, "traces.entryHint")
          : node.kind === "external"
            ? t(lang, "traces.externalHint")
            : `${node.label}: ${node.spanCount} ${t(lang, "traces.spans")}`}
      </title>
      <rect width={NODE_W} height={NODE_H} rx={node.kind === "entry" ? NODE_H / 2 : 6} />
      <text x={NODE_W / 2} y={service ? 17 : NODE_H / 2 + 4} textAnchor="middle" className="map-node-name">
        {node.label.length > 14 ? `${node.label.slice(0, 13)}…` : node.label}
      </text>
      {service && (
        <text x={NODE_W / 2} y={31} textAnchor="middle" className="map-node-meta">
          {node.spanCount} {t(lang, "traces.spans")}
          {node.errorCount > 0
            ? ` · ${node.errorCount} ${t(lang, node.errorCount === 1 ? "traces.error" : "traces.errors")}`
            : ""}
        </text>
      )}
    </g>
  );
}

function Edge({
  lang,
  edge,
  from,
  to,
  faulty,
  onPick,
}: {
  lang: UiLang;
  edge: MapEdge;
  from: PlacedNode;
  to: PlacedNode;
  faulty: boolean;
  onPick?: () => void;
}) {
  let d: string;
  let lx: number;
  let ly: number;
  if (to.x > from.x) {
    // Forward: from the right side of the caller to the left side of the callee, a horizontal S-curve.
    const x0 = from.x + NODE_W / 2;
    const x1 = to.x - NODE_W / 2;
    const mx = (x0 + x1) / 2;
    d = `M${x0},${from.y} C${mx},${from.y} ${mx},${to.y} ${x1},${to.y}`;
    lx = mx;
    ly = (from.y + to.y) / 2;
  } else {
    // A call back to the same column or leftwards (a cycle): a loop under the nodes.
    const y0 = from.y + NODE_H / 2;
    const y1 = to.y + NODE_H / 2;
    const dip = Math.max(y0, y1) + 34;
    d = `M${from.x},${y0} C${from.x},${dip} ${to.x},${dip} ${to.x},${y1}`;
    lx = (from.x + to.x) / 2;
    ly = dip + 4;
  }
  const errors = edge.errors > 0;
  return (
    <g
      className="map-edge"
      data-edge={`${from.label}→${to.label}`}
      data-calls={edge.calls}
      data-errors={edge.errors}
      data-error={errors || undefined}
      data-faulty={faulty || undefined}
      onClick={onPick}
      style={onPick ? { cursor: "pointer" } : undefined}
    >
      {onPick && <title>{`${from.label} → ${to.label}: ${t(lang, "faults.title")}`}</title>}
      <path d={d} markerEnd="url(#map-arrow)" />
      <text x={lx} y={ly - 14} textAnchor="middle" className="map-edge-label">
        {edge.calls} {t(lang, edge.calls === 1 ? "traces.call" : "traces.calls")}
        {errors && (
          <tspan className="map-edge-errors">{` · ${edge.errors} ${t(lang, edge.errors === 1 ? "traces.error" : "traces.errors")}`}</tspan>
        )}
      </text>
      <text x={lx} y={ly - 2} textAnchor="middle" className="map-edge-label muted">
        p50 {formatDuration(edge.p50Us)}
        {faulty && <tspan className="map-edge-errors">{` · ⚡ ${t(lang, "faults.activeOn")}`}</tspan>}
      </text>
    </g>
  );
}
