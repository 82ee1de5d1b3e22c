"use client";
// Sends HTTP requests to the run's services through the server and shows the answers; keeps a history, copies a
// request as curl, and carries a token from a login answer into the next request's headers.
import { useEffect, useState, type FormEvent } from "react";
import type { ProtocolError, RequestPayload } from "@/lib/shared/socket-protocol";
import { METHODS_WITH_BODY, formatBody, formatBytes, statusTone } from "@/lib/client/http";
import { asProtocolError } from "@/lib/client/requests";
import {
  METHODS,
  addToHistory,
  checkBody,
  findToken,
  formatJson,
  headersFromRows,
  loadHistory,
  rowsFromHeaders,
  saveHistory,
  setHeader,
  toCurl,
  type HeaderRow,
  type HistoryEntry,
  type Method,
} from "@/lib/client/request-tools";
import type { ServiceView } from "@/lib/client/run-state";
import { t, type UiLang } from "@/lib/shared/ui-text";
import type { RequestSpec } from "@/lib/shared/lesson-schema";
import type { HttpResponseSummary } from "@/sandbox/types";

export interface RequestPanelProps {
  lang: UiLang;
  /** The lesson: the history is kept per lesson. */
  slug: string;
  services: ServiceView[];
  presets: RequestSpec[];
  send: (request: Omit<RequestPayload, "runId">) => Promise<HttpResponseSummary>;
}

type Outcome =
  | { kind: "response"; request: string; response: HttpResponseSummary }
  | { kind: "error"; request: string; error: ProtocolError };

interface Draft {
  service: string;
  method: Method;
  path: string;
  headers: HeaderRow[];
  body: string;
}

function headerText(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join("\n");
}

const bodySize = (text: string) => new TextEncoder().encode(text).length;

function draftFromPreset(p: RequestSpec): Draft {
  return {
    service: p.service,
    method: p.method,
    path: p.path,
    headers: rowsFromHeaders(p.headers),
    body: p.body ?? "",
  };
}

export function RequestPanel({ lang, slug, services, presets, send }: RequestPanelProps) {
  const httpServices = services.filter((s) => s.protocol === "http");
  const [draft, setDraft] = useState<Draft>(() =>
    presets[0]
      ? draftFromPreset(presets[0])
      : { service: httpServices[0]?.name ?? "", method: "GET", path: "/", headers: [], body: "" },
  );
  const { service, method, path, headers, body } = draft;
  const patch = (p: Partial<Draft>) => setDraft((d) => ({ ...d, ...p }));
  const [sending, setSending] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  /** Counts answers, so a reader (or a test) can tell a new answer from the same one again. */
  const [answers, setAnswers] = useState(0);
  const [view, setView] = useState<"body" | "headers" | "history">("body");
  const [history, setHistory] = useState<HistoryEntry[]>([]);
  const [curl, setCurl] = useState<{ text: string; copied: boolean } | null>(null);
  const [tokenNote, setTokenNote] = useState<string | null>(null);

  // The history comes back from localStorage after mount (the server renders none).
  useEffect(() => setHistory(loadHistory(localStorage, slug)), [slug]);

  const target = services.find((s) => s.name === service);
  const running = target?.stage === "running";
  const grpc = target?.protocol === "grpc";
  const withBody = METHODS_WITH_BODY.has(method);
  const bodyCheck = withBody ? checkBody(body, headers) : ({ kind: "empty" } as const);
  const activeHeaders = headers.filter((h) => h.enabled && h.name.trim() !== "").length;

  function remember(entry: HistoryEntry) {
    setHistory((list) => {
      const next = addToHistory(list, entry);
      saveHistory(localStorage, slug, next);
      return next;
    });
  }

  async function submit(req: Draft) {
    const label = `${req.method} ${req.service}${req.path}`;
    const parsed = headersFromRows(req.headers);
    if ("error" in parsed) {
      setOutcome({ kind: "error", request: label, error: { code: "BAD_REQUEST", message: parsed.error } });
      setAnswers((n) => n + 1);
      return;
    }
    const entry: HistoryEntry = {
      at: Date.now(),
      service: req.service,
      method: req.method,
      path: req.path,
      headers: req.headers,
      body: METHODS_WITH_BODY.has(req.method) ? req.body : "",
    };
    setSending(true);
    setTokenNote(null);
    try {
      const response = await send({
        service: req.service,
        method: req.method,
        path: req.path,
        headers: parsed.headers,
        body: METHODS_WITH_BODY.has(req.method) && req.body !== "" ? req.body : undefined,
      });
      setOutcome({ kind: "response", request: label, response });
      remember({ ...entry, status: response.status, durationMs: response.durationMs, bytes: bodySize(response.body) });
      setView("body");
    } catch (err) {
      const error = asProtocolError(err);
      setOutcome({ kind: "error", request: label, error });
      remember({ ...entry, error: error.message });
      setView("body");
    } finally {
      setSending(false);
      setAnswers((n) => n + 1);
    }
  }

  function normalized(d: Draft): Draft {
    return { ...d, path: d.path.startsWith("/") ? d.path : `/${d.path}` };
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    void submit(normalized(draft));
  }

  function applyPreset(p: RequestSpec) {
    const d = draftFromPreset(p);
    setDraft(d);
    if (services.find((s) => s.name === p.service)?.stage === "running") void submit(d);
  }

  function reload(entry: HistoryEntry) {
    setDraft({
      service: entry.service,
      method: entry.method,
      path: entry.path,
      headers: entry.headers.map((h) => ({ ...h })),
      body: entry.body,
    });
  }

  async function copyCurl() {
    const d = normalized(draft);
    const parsed = headersFromRows(d.headers);
    const port = services.find((s) => s.name === d.service)?.hostPort;
    if ("error" in parsed || !port) return;
    const text = toCurl({
      method: d.method,
      port,
      path: d.path,
      headers: parsed.headers,
      body: METHODS_WITH_BODY.has(d.method) && d.body !== "" ? d.body : undefined,
    });
    let copied = false;
    try {
      await navigator.clipboard.writeText(text);
      copied = true;
    } catch {
      // No clipboard (permissions, plain http on a LAN address): the command is shown to select by hand.
    }
    setCurl({ text, copied });
  }

  function applyToken(token: string) {
    patch({ headers: setHeader(headers, "Authorization", `Bearer ${token}`) });
    setTokenNote(`Authorization: Bearer ${token.slice(0, 12)}…`);
  }

  const updateRow = (i: number, p: Partial<HeaderRow>) =>
    patch({ headers: headers.map((h, j) => (j === i ? { ...h, ...p } : h)) });

  const token = outcome?.kind === "response" ? findToken(outcome.response.body) : null;
  const hasToken =
    token !== null &&
    headers.some((h) => h.enabled && h.name.toLowerCase() === "authorization" && h.value === `Bearer ${token}`);

  return (
    <section className="requests" aria-label={t(lang, "requests")}>
      <form className="request-form" onSubmit={onSubmit}>
        <div className="request-line">
          <select
            aria-label={t(lang, "service")}
            value={service}
            onChange={(e) => patch({ service: e.target.value })}
            className="request-service"
          >
            {services.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
                {s.stage === "running" ? "" : ` (${t(lang, "notRunning")})`}
              </option>
            ))}
          </select>
          <select
            aria-label={t(lang, "method")}
            value={method}
            onChange={(e) => patch({ method: e.target.value as Method })}
            className="request-method"
          >
            {METHODS.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
          <input
            aria-label={t(lang, "path")}
            className="request-path"
            value={path}
            onChange={(e) => patch({ path: e.target.value })}
            spellCheck={false}
            autoComplete="off"
          />
          <button
            type="submit"
            className="btn btn-primary btn-small"
            aria-label={t(lang, "sendRequest")}
            disabled={!running || grpc || sending || bodyCheck.kind === "invalid"}
            title={
              !running
                ? `${service}: ${t(lang, "notRunning")}`
                : bodyCheck.kind === "invalid"
                  ? t(lang, "invalidJson")
                  : undefined
            }
          >
            {sending ? "…" : t(lang, "send")}
          </button>
          <button
            type="button"
            className="btn btn-small btn-ghost request-curl"
            onClick={() => void copyCurl()}
            disabled={!target?.hostPort || grpc}
            title={t(lang, "copyCurlHint")}
          >
            <span aria-hidden>$</span>curl
          </button>
        </div>
        {grpc && <p className="request-note">{t(lang, "grpcOnly")}</p>}
        {curl && (
          <div className="curl-box" role="status">
            <span className="muted">{curl.copied ? t(lang, "copied") : t(lang, "copyByHand")}</span>
            <code data-testid="curl-text" tabIndex={0}>
              {curl.text}
            </code>
            <button type="button" className="log-icon" onClick={() => setCurl(null)} aria-label={t(lang, "dismiss")}>
              ×
            </button>
          </div>
        )}
        <details className="request-extra">
          <summary>
            {t(lang, "headersShort")} ({activeHeaders}){withBody ? ` · ${t(lang, "body")}` : ""}
            {bodyCheck.kind === "invalid" && <span className="body-bad"> · {t(lang, "invalidJson")}</span>}
          </summary>
          <div className="header-rows" role="group" aria-label={t(lang, "headersShort")}>
            {headers.map((h, i) => (
              <div className="header-row" key={i}>
                <input
                  type="checkbox"
                  checked={h.enabled}
                  onChange={(e) => updateRow(i, { enabled: e.target.checked })}
                  aria-label={`${t(lang, "sendHeader")} ${i + 1}`}
                />
                <input
                  value={h.name}
                  onChange={(e) => updateRow(i, { name: e.target.value })}
                  placeholder={t(lang, "headerNamePlaceholder")}
                  aria-label={`${t(lang, "headerName")} ${i + 1}`}
                  spellCheck={false}
                  autoComplete="off"
                />
                <input
                  value={h.value}
                  onChange={(e) => updateRow(i, { value: e.target.value })}
                  placeholder={t(lang, "headerValuePlaceholder")}
                  aria-label={`${t(lang, "headerValue")} ${i + 1}`}
                  spellCheck={false}
                  autoComplete="off"
                />
                <button
                  type="button"
                  className="log-icon"
                  onClick={() => patch({ headers: headers.filter((_, j) => j !== i) })}
                  aria-label={`${t(lang, "removeHeader")} ${i + 1}`}
                  title={t(lang, "removeHeader")}
                >
                  ×
                </button>
              </div>
            ))}
            <button
              type="button"
              className="add-header"
              onClick={() => patch({ headers: [...headers, { name: "", value: "", enabled: true }] })}
            >
              + {t(lang, "addHeader")}
            </button>
          </div>
          {withBody && (
            <div className="body-editor">
              <textarea
                aria-label={t(lang, "body")}
                value={body}
                onChange={(e) => patch({ body: e.target.value })}
                rows={3}
                placeholder='{"name": "..."}'
                spellCheck={false}
                aria-invalid={bodyCheck.kind === "invalid" || undefined}
              />
              <div className="body-status">
                {bodyCheck.kind === "json" && <span className="body-ok">✓ JSON</span>}
                {bodyCheck.kind === "invalid" && (
                  <span className="body-bad" role="alert">
                    ✗ {bodyCheck.message}
                  </span>
                )}
                <button
                  type="button"
                  className="link-button"
                  disabled={bodyCheck.kind !== "json"}
                  onClick={() => patch({ body: formatJson(body) ?? body })}
                >
                  {t(lang, "formatJson")}
                </button>
              </div>
            </div>
          )}
        </details>
      </form>

      {presets.length > 0 && (
        <div className="presets" role="group" aria-label={t(lang, "presets")}>
          {presets.map((p, i) => (
            <button
              key={i}
              type="button"
              className="preset"
              onClick={() => applyPreset(p)}
              title={`${p.method} ${p.service}${p.path}`}
            >
              <span className={`method-tag method-${p.method.toLowerCase()}`}>{p.method}</span>
              {p.name[lang]}
            </button>
          ))}
        </div>
      )}

      <div className="response" aria-live="polite" data-answers={answers}>
        <div className="response-meta">
          {outcome?.kind === "response" && (
            <>
              <span
                className={`status status-${statusTone(outcome.response.status)}`}
                aria-label={t(lang, "responseStatus")}
              >
                {outcome.response.status} {outcome.response.statusText}
              </span>
              <span className="muted">{Math.round(outcome.response.durationMs)} ms</span>
              <span className="muted">{formatBytes(bodySize(outcome.response.body))}</span>
            </>
          )}
          <span className="response-request muted" title={outcome?.request}>
            {outcome?.request ?? ""}
          </span>
          <span className="response-tabs" role="tablist">
            <button role="tab" type="button" aria-selected={view === "body"} onClick={() => setView("body")}>
              {t(lang, "body")}
            </button>
            <button role="tab" type="button" aria-selected={view === "headers"} onClick={() => setView("headers")}>
              {t(lang, "headersTab")}
            </button>
            <button role="tab" type="button" aria-selected={view === "history"} onClick={() => setView("history")}>
              {t(lang, "history")}
              {history.length > 0 && <span className="count">{history.length}</span>}
            </button>
          </span>
        </div>
        {token && view === "body" && (
          <div className="token-bar">
            <span className="muted">{t(lang, "tokenFound")}</span>
            <button type="button" className="btn btn-small" onClick={() => applyToken(token)} disabled={hasToken}>
              {hasToken ? `✓ ${t(lang, "tokenInHeaders")}` : t(lang, "useToken")}
            </button>
            {tokenNote && hasToken && <code className="muted">{tokenNote}</code>}
          </div>
        )}
        {view === "history" ? (
          <HistoryList lang={lang} history={history} onPick={reload} />
        ) : (
          <>
            {!outcome && <p className="muted response-empty">{t(lang, "noResponse")}</p>}
            {outcome?.kind === "error" && (
              <div className="response-error" role="alert">
                <strong>{outcome.error.message}</strong>
                {outcome.error.hint && <p>{outcome.error.hint}</p>}
              </div>
            )}
            {outcome?.kind === "response" && <ResponseView response={outcome.response} lang={lang} view={view} />}
          </>
        )}
      </div>
    </section>
  );
}

function ResponseView({
  response,
  lang,
  view,
}: {
  response: HttpResponseSummary;
  lang: UiLang;
  view: "body" | "headers";
}) {
  const shown = formatBody(response.body, response.headers);
  return view === "body" ? (
    <pre className={`response-body${shown.json ? " json" : ""}`} aria-label={t(lang, "responseBody")} tabIndex={0}>
      {shown.text}
      {response.bodyTruncated && <span className="muted">{"\n" + t(lang, "truncated")}</span>}
    </pre>
  ) : (
    <pre className="response-body" aria-label={t(lang, "responseHeaders")} tabIndex={0}>
      {headerText(response.headers)}
    </pre>
  );
}

function HistoryList({
  lang,
  history,
  onPick,
}: {
  lang: UiLang;
  history: HistoryEntry[];
  onPick: (e: HistoryEntry) => void;
}) {
  if (history.length === 0) return <p className="muted response-empty">{t(lang, "noHistory")}</p>;
  return (
    <ol className="history" aria-label={t(lang, "history")}>
      {history.map((h) => (
        <li key={`${h.at}-${h.method}-${h.path}`}>
          <button type="button" className="history-item" onClick={() => onPick(h)} title={t(lang, "reloadRequest")}>
            <span className={`method-tag method-${h.method.toLowerCase()}`}>{h.method}</span>
            <span className="history-target">
              {h.service}
              {h.path}
            </span>
            {h.status !== undefined ? (
              <span className={`status status-${statusTone(h.status)}`}>{h.status}</span>
            ) : (
              <span className="status status-server-error" title={h.error}>
                ✗
              </span>
            )}
            <span className="muted history-num">
              {h.durationMs !== undefined ? `${Math.round(h.durationMs)} ms` : ""}
            </span>
            <span className="muted history-num">{h.bytes !== undefined ? formatBytes(h.bytes) : ""}</span>
            <time className="muted history-num" dateTime={new Date(h.at).toISOString()}>
              {new Date(h.at).toLocaleTimeString(lang === "zh" ? "zh-CN" : "en-GB", { hour12: false })}
            </time>
          </button>
        </li>
      ))}
    </ol>
  );
}
