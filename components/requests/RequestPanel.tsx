"use client";
// Sends HTTP requests to the run's services through the server, and shows the answers.
import { useState, type FormEvent } from "react";
import { parseHeaderLines, type ProtocolError, type RequestPayload } from "@/lib/socket-protocol";
import { METHODS_WITH_BODY, formatBody, formatBytes, statusTone } from "@/lib/client-http";
import type { ServiceView } from "@/lib/client-run-state";
import { t, type UiLang } from "@/lib/ui-text";
import type { RequestSpec } from "@/lib/lesson-schema";
import type { HttpResponseSummary } from "@/sandbox/types";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;
type Method = (typeof METHODS)[number];

export interface RequestPanelProps {
  lang: UiLang;
  services: ServiceView[];
  presets: RequestSpec[];
  send: (request: Omit<RequestPayload, "runId">) => Promise<HttpResponseSummary>;
}

type Outcome =
  | { kind: "response"; request: string; response: HttpResponseSummary }
  | { kind: "error"; request: string; error: ProtocolError };

function headerText(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join("\n");
}

export function RequestPanel({ lang, services, presets, send }: RequestPanelProps) {
  const httpServices = services.filter((s) => s.protocol === "http");
  const [service, setService] = useState(presets[0]?.service ?? httpServices[0]?.name ?? "");
  const [method, setMethod] = useState<Method>(presets[0]?.method ?? "GET");
  const [path, setPath] = useState(presets[0]?.path ?? "/");
  const [headers, setHeaders] = useState(headerText(presets[0]?.headers ?? {}));
  const [body, setBody] = useState(presets[0]?.body ?? "");
  const [sending, setSending] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  /** Counts answers, so a reader (or a test) can tell a new answer from the same one again. */
  const [answers, setAnswers] = useState(0);
  const [view, setView] = useState<"body" | "headers">("body");

  const target = services.find((s) => s.name === service);
  const running = target?.stage === "running";
  const grpc = target?.protocol === "grpc";

  async function submit(req: { service: string; method: Method; path: string; headers: string; body: string }) {
    const label = `${req.method} ${req.service}${req.path}`;
    const parsed = parseHeaderLines(req.headers);
    if ("error" in parsed) {
      setOutcome({ kind: "error", request: label, error: { code: "BAD_REQUEST", message: parsed.error } });
      setAnswers((n) => n + 1);
      return;
    }
    setSending(true);
    try {
      const response = await send({
        service: req.service,
        method: req.method,
        path: req.path,
        headers: parsed.headers,
        body: METHODS_WITH_BODY.has(req.method) && req.body !== "" ? req.body : undefined,
      });
      setOutcome({ kind: "response", request: label, response });
      setView("body");
    } catch (err) {
      const error = (err as { error?: ProtocolError }).error ?? { code: "INTERNAL" as const, message: String(err) };
      setOutcome({ kind: "error", request: label, error });
    } finally {
      setSending(false);
      setAnswers((n) => n + 1);
    }
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    void submit({ service, method, path: path.startsWith("/") ? path : `/${path}`, headers, body });
  }

  function applyPreset(p: RequestSpec) {
    const h = headerText(p.headers);
    setService(p.service);
    setMethod(p.method);
    setPath(p.path);
    setHeaders(h);
    setBody(p.body ?? "");
    if (services.find((s) => s.name === p.service)?.stage === "running")
      void submit({ service: p.service, method: p.method, path: p.path, headers: h, body: p.body ?? "" });
  }

  return (
    <section className="requests" aria-label={t(lang, "requests")}>
      <form className="request-form" onSubmit={onSubmit}>
        <div className="request-line">
          <select
            aria-label={t(lang, "service")}
            value={service}
            onChange={(e) => setService(e.target.value)}
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
            onChange={(e) => setMethod(e.target.value as Method)}
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
            onChange={(e) => setPath(e.target.value)}
            spellCheck={false}
            autoComplete="off"
          />
          <button
            type="submit"
            className="btn btn-primary btn-small"
            aria-label={t(lang, "sendRequest")}
            disabled={!running || grpc || sending}
            title={running ? undefined : `${service}: ${t(lang, "notRunning")}`}
          >
            {sending ? "…" : t(lang, "send")}
          </button>
        </div>
        {grpc && <p className="request-note">{t(lang, "grpcOnly")}</p>}
        <details className="request-extra">
          <summary>
            {t(lang, "headers")}
            {METHODS_WITH_BODY.has(method) ? ` · ${t(lang, "body")}` : ""}
          </summary>
          <textarea
            aria-label={t(lang, "headers")}
            value={headers}
            onChange={(e) => setHeaders(e.target.value)}
            rows={2}
            placeholder="Content-Type: application/json"
            spellCheck={false}
          />
          {METHODS_WITH_BODY.has(method) && (
            <textarea
              aria-label={t(lang, "body")}
              value={body}
              onChange={(e) => setBody(e.target.value)}
              rows={3}
              placeholder='{"name": "..."}'
              spellCheck={false}
            />
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
        {!outcome && <p className="muted response-empty">{t(lang, "noResponse")}</p>}
        {outcome?.kind === "error" && (
          <div className="response-error" role="alert">
            <div className="response-request">{outcome.request}</div>
            <strong>{outcome.error.message}</strong>
            {outcome.error.hint && <p>{outcome.error.hint}</p>}
          </div>
        )}
        {outcome?.kind === "response" && <ResponseView outcome={outcome} lang={lang} view={view} setView={setView} />}
      </div>
    </section>
  );
}

function ResponseView({
  outcome,
  lang,
  view,
  setView,
}: {
  outcome: Extract<Outcome, { kind: "response" }>;
  lang: UiLang;
  view: "body" | "headers";
  setView: (v: "body" | "headers") => void;
}) {
  const { response, request } = outcome;
  const shown = formatBody(response.body, response.headers);
  return (
    <>
      <div className="response-meta">
        <span className={`status status-${statusTone(response.status)}`} aria-label="Response status">
          {response.status} {response.statusText}
        </span>
        <span className="muted">{Math.round(response.durationMs)} ms</span>
        <span className="muted">{formatBytes(new TextEncoder().encode(response.body).length)}</span>
        <span className="response-request muted" title={request}>
          {request}
        </span>
        <span className="response-tabs" role="tablist">
          <button role="tab" aria-selected={view === "body"} onClick={() => setView("body")}>
            {t(lang, "body")}
          </button>
          <button role="tab" aria-selected={view === "headers"} onClick={() => setView("headers")}>
            {t(lang, "headersTab")}
          </button>
        </span>
      </div>
      {view === "body" ? (
        <pre className={`response-body${shown.json ? " json" : ""}`} aria-label="Response body" tabIndex={0}>
          {shown.text}
          {response.bodyTruncated && <span className="muted">{"\n" + t(lang, "truncated")}</span>}
        </pre>
      ) : (
        <pre className="response-body" aria-label="Response headers" tabIndex={0}>
          {headerText(response.headers)}
        </pre>
      )}
    </>
  );
}
