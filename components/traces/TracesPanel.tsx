"use client";
// The traces panel: recent traces of the run, and the selected one as a waterfall of its spans across services (or
// the run's service map instead of the waterfall).
import { Fragment, useMemo, useState, type CSSProperties, type ReactNode } from "react";
import Link from "next/link";
import { t, type UiLang } from "@/lib/shared/ui-text";
import type { AttributeValue, SpanData } from "@/sandbox/types";
import { openCode, type SpanCodeLink } from "@/lib/client/code-links";
import {
  buildTree,
  formatDuration,
  groupTraces,
  serviceColors,
  spansOfTrace,
  waterfallRows,
  type TraceSummary,
  type WaterfallRow,
} from "./trace-model";
import { ServiceMapView } from "./ServiceMapView";
import { FaultPanel, faultyLinks, linkKey } from "./FaultPanel";
import type { FaultsControl } from "@/components/run/hooks/useFaults";
import "./traces.css";

/** The tab key the workspace gives this panel among its terminals (not a valid service name). */
export const TRACES_TAB = "@traces";

/** The list shows this many traces, newest first; the rest stay in memory but off screen. */
const MAX_LISTED_TRACES = 200;

export interface TracesPanelProps {
  lang: UiLang;
  spans: SpanData[];
  /** False before the first Run: the empty panel then says to press Run. */
  hasRun: boolean;
  /** False when the lesson runs no collector: the empty panel then says how to add tracing. */
  traced?: boolean;
  /** The trace ID of the request panel's last request, to jump to its trace. */
  lastRequestTraceId?: string;
  /** The run's fault links (a lesson with `faults`): controlled beside the service map. */
  faults?: FaultsControl;
  /** Where in the lesson's files a span was made (from its code attributes), to link its details to that line. */
  codeOf?: (span: SpanData) => SpanCodeLink | undefined;
}

type View = "waterfall" | "map";

export function TracesPanel({
  lang,
  spans,
  hasRun,
  traced = true,
  lastRequestTraceId,
  faults,
  codeOf,
}: TracesPanelProps) {
  const traces = useMemo(() => groupTraces(spans), [spans]);
  const colors = useMemo(() => serviceColors(spans), [spans]);
  // null: follow the newest trace as new ones arrive; a click pins one.
  const [pinned, setPinned] = useState<string | null>(null);
  const [openSpan, setOpenSpan] = useState<string | null>(null);
  const [view, setView] = useState<View>("waterfall");
  const [pickedLink, setPickedLink] = useState<string | null>(null);
  const faulty = useMemo(() => faultyLinks(faults?.links), [faults?.links]);
  const faultPanel =
    faults && (faults.links?.length ?? 0) > 0 ? (
      <FaultPanel lang={lang} faults={faults} selected={pickedLink} onSelect={setPickedLink} />
    ) : null;

  const selected = traces.find((t) => t.traceId === pinned) ?? traces[0];
  const rows = useMemo(
    () => (selected ? waterfallRows(buildTree(spansOfTrace(spans, selected.traceId))) : []),
    [spans, selected],
  );

  if (traces.length === 0) {
    return (
      <div className="traces-panel traces-empty">
        {traced ? (
          <p className="muted">{t(lang, hasRun ? "traces.empty" : "traces.waiting")}</p>
        ) : (
          <p className="muted traces-not-traced">
            {t(lang, "traces.notTraced")} <Link href="/lessons/tracing">{t(lang, "traces.notTracedLink")}</Link>
          </p>
        )}
        {faultPanel}
      </div>
    );
  }

  const lastArrived = lastRequestTraceId !== undefined && traces.some((t) => t.traceId === lastRequestTraceId);
  const lastRequest: ReactNode =
    lastRequestTraceId === undefined ? null : !lastArrived ? (
      <span className="muted wf-following">{t(lang, "traces.lastRequestWaiting")}</span>
    ) : view === "map" || selected?.traceId !== lastRequestTraceId ? (
      <button
        type="button"
        className="btn btn-ghost btn-small"
        data-action="last-request-trace"
        onClick={() => {
          setPinned(lastRequestTraceId);
          setOpenSpan(null);
          setView("waterfall");
        }}
      >
        {t(lang, "traces.lastRequest")}
      </button>
    ) : null;
  const toolbar = (
    <div className="traces-toolbar">
      <span className="segmented traces-views" role="group" aria-label={t(lang, "traces.views")}>
        {(["waterfall", "map"] as const).map((v) => (
          <button key={v} type="button" aria-pressed={view === v} data-view={v} onClick={() => setView(v)}>
            {t(lang, v === "map" ? "traces.serviceMap" : "traces.waterfall")}
          </button>
        ))}
      </span>
      {lastRequest}
    </div>
  );

  // The list picks the trace the waterfall shows; the map draws every trace at once, so it gets the list's room (and
  // the fault panel beside or under it never shares a column with the list).
  return (
    <div className="traces-panel" data-showing={view}>
      {toolbar}
      {view === "waterfall" && (
        <div className="traces-list" role="listbox" aria-label={t(lang, "traces.tracesList")}>
          {traces.slice(0, MAX_LISTED_TRACES).map((t) => (
            <TraceItem
              key={t.traceId}
              lang={lang}
              trace={t}
              colors={colors}
              selected={t.traceId === selected?.traceId}
              onSelect={() => {
                setPinned(t.traceId);
                setOpenSpan(null);
              }}
            />
          ))}
        </div>
      )}
      {view === "map" && (
        <div className="traces-map-and-faults">
          <ServiceMapView
            lang={lang}
            spans={spans}
            faulty={faulty}
            onPickEdge={
              faults?.links?.length
                ? (from, to) => {
                    const key = linkKey({ from, to });
                    if (faults.links?.some((l) => linkKey(l) === key)) setPickedLink(key);
                  }
                : undefined
            }
          />
          {faultPanel}
        </div>
      )}
      {view === "waterfall" && selected && (
        <section className="traces-waterfall" aria-label={t(lang, "traces.waterfall")} data-trace-id={selected.traceId}>
          <header className="wf-head">
            <span className="wf-title">
              <code title={selected.traceId}>trace {selected.traceId}</code>
              <span className="muted">
                {formatDuration(selected.endUs - selected.startUs)} · {selected.spanCount} {t(lang, "traces.spans")}
              </span>
            </span>
            {pinned ? (
              <button type="button" className="btn btn-ghost btn-small" onClick={() => setPinned(null)}>
                {t(lang, "traces.latest")}
              </button>
            ) : (
              <span className="muted wf-following">{t(lang, "traces.following")}</span>
            )}
          </header>
          <div className="wf-axis" aria-hidden>
            <span />
            <span className="wf-ticks">
              {[0, 0.5, 1].map((f) => (
                <span key={f} style={{ left: `${f * 100}%` }}>
                  {formatDuration((selected.endUs - selected.startUs) * f)}
                </span>
              ))}
            </span>
          </div>
          <div className="wf-rows" role="tree" aria-label={t(lang, "traces.clickHint")}>
            {rows.map((row) => (
              <Fragment key={row.span.spanId}>
                <SpanRow
                  lang={lang}
                  row={row}
                  color={colors.get(row.span.service) ?? 0}
                  open={openSpan === row.span.spanId}
                  onToggle={() => setOpenSpan(openSpan === row.span.spanId ? null : row.span.spanId)}
                />
                {openSpan === row.span.spanId && (
                  <SpanDetails lang={lang} span={row.span} traceStartUs={selected.startUs} code={codeOf?.(row.span)} />
                )}
              </Fragment>
            ))}
          </div>
        </section>
      )}
    </div>
  );
}

function TraceItem(props: {
  lang: UiLang;
  trace: TraceSummary;
  colors: Map<string, number>;
  selected: boolean;
  onSelect: () => void;
}) {
  const { lang, trace, colors, selected, onSelect } = props;
  const time = new Date(trace.startUs / 1000).toLocaleTimeString(lang === "zh" ? "zh-CN" : "en-GB", {
    hour12: false,
  });
  return (
    <button
      type="button"
      role="option"
      aria-selected={selected}
      className="trace-item"
      data-error={trace.errorCount > 0 || undefined}
      data-trace-id={trace.traceId}
      data-span-count={trace.spanCount}
      onClick={onSelect}
    >
      <span className="trace-time muted">{time}</span>
      <span className="trace-root">
        <span className={`svc-dot svc-${colors.get(trace.root.service) ?? 0}`} aria-hidden />
        {trace.root.name || "(unnamed)"}
      </span>
      <span className="trace-services">
        {trace.services.map((s) => (
          <span key={s} className={`svc-chip svc-${colors.get(s) ?? 0}`}>
            {s}
          </span>
        ))}
      </span>
      <span className="trace-meta muted">
        {trace.spanCount} {t(lang, "traces.spans")}
        {trace.errorCount > 0 && (
          <span className="trace-errors">
            {" "}
            · {trace.errorCount} {t(lang, "traces.errors")}
          </span>
        )}
      </span>
      <span className="trace-duration">{formatDuration(trace.endUs - trace.startUs)}</span>
    </button>
  );
}

function SpanRow(props: { lang: UiLang; row: WaterfallRow; color: number; open: boolean; onToggle: () => void }) {
  const { lang, row, color, open, onToggle } = props;
  const { span } = row;
  const error = span.status.code === "error";
  // A bar never vanishes: a span of a few microseconds in a long trace still gets a sliver.
  const width = Math.max(row.width * 100, 0.4);
  const left = Math.min(row.offset * 100, 100 - width);
  const labelPlace = durationLabelPlace(left, width);
  return (
    <button
      type="button"
      role="treeitem"
      aria-expanded={open}
      aria-level={row.depth + 1}
      className="wf-row"
      data-error={error || undefined}
      data-span-id={span.spanId}
      onClick={onToggle}
    >
      <span className="wf-label" style={{ paddingLeft: `${row.depth * 14 + 4}px` }}>
        <span className={`svc-dot svc-${color}`} aria-hidden />
        <span className={`wf-service svc-text-${color}`}>{span.service}</span>
        <span className="wf-name" title={span.name}>
          {span.name}
        </span>
        {row.missingParent && (
          <span className="wf-orphan" title={t(lang, "traces.missingParent")}>
            ⤴
          </span>
        )}
      </span>
      <span className="wf-track">
        <span
          className={`wf-bar svc-bg-${color}`}
          data-error={error || undefined}
          style={{ left: `${left}%`, width: `${width}%` }}
        />
        <span className="wf-duration" data-inside={labelPlace.inside || undefined} style={labelPlace.style}>
          {formatDuration(span.endUs - span.startUs)}
        </span>
      </span>
    </button>
  );
}

/** The duration goes after the bar if there is room, else before it, else inside its right end. */
function durationLabelPlace(left: number, width: number): { style: CSSProperties; inside: boolean } {
  if (left + width <= 72) return { style: { left: `${left + width}%` }, inside: false };
  if (left >= 28) return { style: { right: `${100 - left}%` }, inside: false };
  return { style: { right: `${100 - left - width}%` }, inside: true };
}

function SpanDetails(props: { lang: UiLang; span: SpanData; traceStartUs: number; code?: SpanCodeLink }) {
  const { lang, span, traceStartUs, code } = props;
  const attributes = Object.entries(span.attributes).sort(([a], [b]) => a.localeCompare(b));
  return (
    <div className="wf-details" role="group" aria-label={span.name}>
      <dl className="wf-facts">
        <dt>{t(lang, "traces.service")}</dt>
        <dd>{span.service}</dd>
        <dt>{t(lang, "traces.kind")}</dt>
        <dd>{span.kind}</dd>
        <dt>{t(lang, "traces.status")}</dt>
        <dd className={span.status.code === "error" ? "wf-status-error" : undefined}>
          {span.status.code}
          {span.status.message ? `: ${span.status.message}` : ""}
        </dd>
        <dt>{t(lang, "traces.start")}</dt>
        <dd>+{formatDuration(span.startUs - traceStartUs)}</dd>
        <dt>{t(lang, "traces.duration")}</dt>
        <dd>{formatDuration(span.endUs - span.startUs)}</dd>
        <dt>{t(lang, "traces.spanId")}</dt>
        <dd>
          <code>{span.spanId}</code>
        </dd>
        <dt>{t(lang, "traces.parent")}</dt>
        <dd>
          <code>{span.parentSpanId ?? "—"}</code>
        </dd>
        {span.scope && (
          <>
            <dt>{t(lang, "traces.scope")}</dt>
            <dd>{span.scope}</dd>
          </>
        )}
        {code && (
          <>
            <dt>{t(lang, "traces.code")}</dt>
            <dd className="wf-code">
              <button
                type="button"
                className="wf-code-link"
                title={t(lang, "traces.openCode")}
                data-path={code.path}
                data-line={code.line}
                onClick={() => openCode(code)}
              >
                {code.path}:{code.line}
              </button>
              {code.function && <code className="muted">{code.function}</code>}
            </dd>
          </>
        )}
      </dl>
      <h4>{t(lang, "traces.attributes")}</h4>
      {attributes.length === 0 ? (
        <p className="muted">{t(lang, "traces.none")}</p>
      ) : (
        <table className="wf-attrs">
          <tbody>
            {attributes.map(([k, v]) => (
              <tr key={k}>
                <th scope="row">{k}</th>
                <td>{showValue(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h4>{t(lang, "traces.events")}</h4>
      {span.events.length === 0 ? (
        <p className="muted">{t(lang, "traces.none")}</p>
      ) : (
        <ul className="wf-events">
          {span.events.map((e, i) => (
            <li key={i}>
              <span className="muted">+{formatDuration(e.timeUs - traceStartUs)}</span> <strong>{e.name}</strong>
              {Object.entries(e.attributes).map(([k, v]) => (
                <div key={k} className="wf-event-attr">
                  <code>{k}</code> = {showValue(v)}
                </div>
              ))}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function showValue(v: AttributeValue): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}
