"use client";
// Calls a run's gRPC service from the page: its methods come from server reflection, the request is JSON.
import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from "react";
import { asProtocolError as asError } from "@/lib/client/requests";
import type { RunRequestPayload } from "@/lib/client/requests";
import type { ServiceView } from "@/lib/client/run-state";
import type { ProtocolError } from "@/lib/shared/socket-protocol";
import { t, type UiLang } from "@/lib/shared/ui-text";
import {
  templateFromMessage,
  type GrpcCallResult,
  type GrpcDescription,
  type GrpcFieldShape,
  type GrpcMethodInfo,
} from "@/lib/shared/grpc-shapes";

type Outcome =
  { kind: "result"; label: string; result: GrpcCallResult } | { kind: "error"; label: string; error: ProtocolError };

/** Services a learner wants first: their own, before the infrastructure ones (grpc.health, grpc.reflection). */
function orderedMethods(d: GrpcDescription): GrpcMethodInfo[] {
  const own = d.services.filter((s) => !s.name.startsWith("grpc."));
  const infra = d.services.filter((s) => s.name.startsWith("grpc."));
  return [...own, ...infra].flatMap((s) => s.methods);
}

const isUnary = (m: GrpcMethodInfo) => !m.clientStreaming && !m.serverStreaming;
const serviceOf = (path: string) => path.slice(1, path.lastIndexOf("/"));

function fieldType(f: GrpcFieldShape): string {
  const base =
    f.kind === "map"
      ? `map<${f.mapKey}, ${f.mapValue ? fieldType(f.mapValue) : "?"}>`
      : f.kind === "enum"
        ? `${f.type.split(".").pop()} (${(f.enumValues ?? []).join(" | ")})`
        : f.kind === "message"
          ? f.type.split(".").pop()!
          : f.type;
  return f.repeated ? `repeated ${base}` : base;
}

export interface GrpcPanelProps {
  lang: UiLang;
  runId: string | null;
  services: ServiceView[];
  /** Server reflection of a service of the followed run. */
  describe: (service: string) => Promise<GrpcDescription>;
  /** A unary call on the followed run; the page notes it for the learner's progress. */
  call: (request: RunRequestPayload<"grpc:call">) => Promise<GrpcCallResult>;
}

export function GrpcPanel({ lang, runId, services, describe: reflect, call }: GrpcPanelProps) {
  const grpcServices = services.filter((s) => s.protocol === "grpc");
  const [service, setService] = useState(grpcServices[0]?.name ?? "");
  const target = grpcServices.find((s) => s.name === service);
  const running = runId !== null && target?.stage === "running";

  /** The last reflection answer, with the run and service it belongs to (a stale one is never shown). */
  const [loaded, setLoaded] = useState<{
    runId: string;
    service: string;
    description: GrpcDescription | null;
    error: ProtocolError | null;
  } | null>(null);
  const [loading, setLoading] = useState(false);
  const [methodPath, setMethodPath] = useState("");
  /** The learner's JSON per method, kept while they switch between methods. */
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [calling, setCalling] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  /** Counts answers, so a reader (or a test) can tell a new answer from the same one again. */
  const [answers, setAnswers] = useState(0);
  const [view, setView] = useState<"response" | "metadata">("response");

  const describe = useCallback(
    async (forRun: string, name: string) => {
      setLoading(true);
      try {
        const d = await reflect(name);
        setLoaded({ runId: forRun, service: name, description: d, error: null });
        setMethodPath((current) => {
          const methods = orderedMethods(d);
          if (methods.some((m) => m.path === current)) return current;
          return (methods.find(isUnary) ?? methods[0])?.path ?? "";
        });
      } catch (err) {
        setLoaded({ runId: forRun, service: name, description: null, error: asError(err) });
      } finally {
        setLoading(false);
      }
    },
    [reflect],
  );

  // Each run (and each service) is asked once it is running: an edited .proto shows its new methods after Run.
  useEffect(() => {
    if (runId === null || !running) return;
    void describe(runId, service);
  }, [runId, service, running, describe]);

  const current = running && loaded?.runId === runId && loaded.service === service ? loaded : null;
  const visible = current?.description ?? null;
  const describeError = current?.error ?? null;
  const methods = visible ? orderedMethods(visible) : [];
  const method = methods.find((m) => m.path === methodPath);
  const template = method ? JSON.stringify(templateFromMessage(method.request), null, 2) : "";
  const requestText = method ? (drafts[method.path] ?? template) : "";

  async function onCall(e: FormEvent) {
    e.preventDefault();
    if (!runId || !method) return;
    const label = `${service} ${method.path}`.replace(/ \/(?:[\w]+\.)*/, " ");
    setCalling(true);
    try {
      const result = await call({
        service,
        grpcService: serviceOf(method.path),
        method: method.name,
        requestJson: requestText,
      });
      setOutcome({ kind: "result", label, result });
      setView("response");
    } catch (err) {
      setOutcome({ kind: "error", label, error: asError(err) });
    } finally {
      setCalling(false);
      setAnswers((n) => n + 1);
    }
  }

  if (grpcServices.length === 0)
    return (
      <section className="requests grpc-panel" aria-label={t(lang, "grpc.panel")}>
        <p className="muted response-empty">{t(lang, "grpc.noGrpc")}</p>
      </section>
    );

  return (
    <section className="requests grpc-panel" aria-label={t(lang, "grpc.panel")}>
      <form className="request-form" onSubmit={(e) => void onCall(e)}>
        <div className="request-line">
          <select
            aria-label={t(lang, "grpc.service")}
            className="request-service"
            value={service}
            onChange={(e) => setService(e.target.value)}
          >
            {grpcServices.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
                {s.stage === "running" ? "" : ` (${t(lang, "grpc.notRunning")})`}
              </option>
            ))}
          </select>
          <select
            aria-label={t(lang, "grpc.method")}
            className="request-path grpc-method"
            value={visible ? methodPath : ""}
            disabled={!visible}
            onChange={(e) => setMethodPath(e.target.value)}
          >
            {!visible && <option value="">—</option>}
            {visible?.services.map((s) => (
              <optgroup key={s.name} label={s.name}>
                {s.methods.map((m) => (
                  <option key={m.path} value={m.path} disabled={!isUnary(m)}>
                    {m.name}
                    {isUnary(m) ? "" : ` (${t(lang, "grpc.stream")})`}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
          <button
            type="button"
            className="btn btn-small"
            aria-label={t(lang, "grpc.refresh")}
            title={t(lang, "grpc.refreshHint")}
            disabled={!running || loading}
            onClick={() => runId && void describe(runId, service)}
          >
            {loading ? "…" : "↻"}
          </button>
          <button
            type="submit"
            className="btn btn-primary btn-small"
            aria-label={t(lang, "grpc.callHint")}
            disabled={!running || !method || !isUnary(method) || calling}
          >
            {calling ? "…" : t(lang, "grpc.call")}
          </button>
        </div>
        {describeError && (
          <div className="response-error grpc-describe-error" role="alert">
            <strong>{describeError.message}</strong>
            {describeError.hint && <p>{describeError.hint}</p>}
          </div>
        )}
        {!running && <p className="muted grpc-note">{t(lang, "grpc.pressRun")}</p>}
        {running && loading && !visible && <p className="muted grpc-note">{t(lang, "grpc.loading")}</p>}
        {visible && method && (
          <div className="grpc-request">
            <div className="grpc-request-head">
              <span
                className="muted grpc-signature"
                title={`${method.path}(${method.requestType}) → ${method.responseType} · ${t(lang, "grpc.via")} ${visible.reflection}`}
              >
                <code>{method.requestType.split(".").pop()}</code> → <code>{method.responseType.split(".").pop()}</code>
              </span>
              <button
                type="button"
                className="link-button"
                onClick={() => setDrafts(({ [method.path]: _dropped, ...rest }) => rest)}
              >
                {t(lang, "grpc.template")}
              </button>
            </div>
            <textarea
              aria-label={t(lang, "grpc.request")}
              value={requestText}
              onChange={(e) => setDrafts((d) => ({ ...d, [method.path]: e.target.value }))}
              rows={Math.min(5, Math.max(2, requestText.split("\n").length))}
              spellCheck={false}
            />
            <p
              className="grpc-fields muted"
              title={method.request.fields.map((f) => `${f.jsonName}: ${fieldType(f)}`).join("\n")}
            >
              {t(lang, "grpc.fields")}:{" "}
              {method.request.fields.length === 0
                ? t(lang, "grpc.noFields")
                : method.request.fields.map((f, i) => (
                    <span key={f.name}>
                      {i > 0 && " · "}
                      <code>{f.jsonName}</code> {fieldType(f)}
                      {f.oneof ? ` (oneof ${f.oneof})` : ""}
                    </span>
                  ))}
            </p>
          </div>
        )}
      </form>

      <div className="response" aria-live="polite" data-answers={answers}>
        {!outcome && <p className="muted response-empty">{t(lang, "grpc.noAnswer")}</p>}
        {outcome?.kind === "error" && (
          <div className="response-error" role="alert">
            <div className="response-request">{outcome.label}</div>
            <strong>{outcome.error.message}</strong>
            {outcome.error.hint && <p>{outcome.error.hint}</p>}
          </div>
        )}
        {outcome?.kind === "result" && <CallResult lang={lang} outcome={outcome} view={view} setView={setView} />}
      </div>
    </section>
  );
}

function metadataText(lang: UiLang, md: Record<string, string[]>): string {
  const lines = Object.entries(md).flatMap(([k, values]) => values.map((v) => `${k}: ${v}`));
  return lines.length > 0 ? lines.join("\n") : t(lang, "grpc.none");
}

function CallResult({
  lang,
  outcome,
  view,
  setView,
}: {
  lang: UiLang;
  outcome: Extract<Outcome, { kind: "result" }>;
  view: "response" | "metadata";
  setView: (v: "response" | "metadata") => void;
}) {
  const { result, label } = outcome;
  const ok = result.code === 0;
  return (
    <>
      <div className="response-meta">
        <span className={`status ${ok ? "status-ok" : "status-server-error"}`} aria-label={t(lang, "grpc.status")}>
          {result.code} {result.codeName}
        </span>
        <span className="muted">{Math.round(result.durationMs * 10) / 10} ms</span>
        <span className="response-request muted" title={label}>
          {label}
        </span>
        <span className="response-tabs" role="tablist">
          <button role="tab" aria-selected={view === "response"} onClick={() => setView("response")}>
            {t(lang, "grpc.response")}
          </button>
          <button role="tab" aria-selected={view === "metadata"} onClick={() => setView("metadata")}>
            {t(lang, "grpc.metadata")}
          </button>
        </span>
      </div>
      {view === "response" ? (
        <pre
          className={`response-body${ok ? " json" : " grpc-status-message"}`}
          aria-label={t(lang, "grpc.responseBody")}
          tabIndex={0}
        >
          {ok ? JSON.stringify(result.response, null, 2) : `${result.codeName}: ${result.message}`}
        </pre>
      ) : (
        <pre className="response-body" aria-label={t(lang, "grpc.metadataBody")} tabIndex={0}>
          {`# ${t(lang, "grpc.headers")}\n${metadataText(lang, result.headers)}\n\n# ${t(lang, "grpc.trailers")}\n${metadataText(lang, result.trailers)}`}
        </pre>
      )}
    </>
  );
}

/** HTTP and gRPC panels side by side as tabs, both kept mounted so neither loses what the learner typed. */
export function RequestTabs({ lang, http, grpc }: { lang: UiLang; http: ReactNode; grpc: ReactNode }) {
  const [tab, setTab] = useState<"http" | "grpc">("http");
  return (
    <div className="request-area">
      <div className="request-area-tabs" role="tablist">
        <button role="tab" aria-selected={tab === "http"} onClick={() => setTab("http")}>
          {t(lang, "grpc.tabHttp")}
        </button>
        <button role="tab" aria-selected={tab === "grpc"} onClick={() => setTab("grpc")}>
          {t(lang, "grpc.tabGrpc")}
        </button>
      </div>
      <div className="request-area-pane" hidden={tab !== "http"}>
        {http}
      </div>
      <div className="request-area-pane" hidden={tab !== "grpc"}>
        {grpc}
      </div>
    </div>
  );
}
