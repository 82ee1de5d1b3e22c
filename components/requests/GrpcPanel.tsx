"use client";
// Calls a run's gRPC service from the page: its methods come from server reflection, the request is JSON.
import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from "react";
import { call } from "@/lib/client-socket";
import type { ServiceView } from "@/lib/client-run-state";
import type { ProtocolError } from "@/lib/socket-protocol";
import type { UiLang } from "@/lib/ui-text";
import {
  templateFromMessage,
  type GrpcCallResult,
  type GrpcDescription,
  type GrpcFieldShape,
  type GrpcMethodInfo,
} from "@/lib/grpc-shapes";

/** Reflection answers in milliseconds; a call may use its whole deadline (30 s at most) plus the reflection. */
const DESCRIBE_TIMEOUT_MS = 15_000;
const CALL_TIMEOUT_MS = 40_000;

const TEXT = {
  tabHttp: { zh: "HTTP 请求", en: "HTTP" },
  tabGrpc: { zh: "gRPC 调用", en: "gRPC" },
  panel: { zh: "gRPC 调用", en: "gRPC calls" },
  service: { zh: "服务", en: "Service" },
  method: { zh: "方法", en: "Method" },
  refresh: { zh: "刷新", en: "Refresh" },
  refreshHint: {
    zh: "重新通过反射读取服务和方法",
    en: "Ask the server's reflection again for its services and methods",
  },
  call: { zh: "调用", en: "Call" },
  callHint: { zh: "调用所选方法", en: "Call the selected method" },
  request: { zh: "请求消息（JSON）", en: "Request message (JSON)" },
  template: { zh: "还原模板", en: "Reset to template" },
  fields: { zh: "字段", en: "Fields" },
  noFields: { zh: "（无字段）", en: "(no fields)" },
  loading: { zh: "正在通过服务器反射读取方法…", en: "Reading the methods through server reflection…" },
  notRunning: { zh: "未运行", en: "not running" },
  pressRun: {
    zh: "按“运行”启动服务后，这里会通过服务器反射列出它的 gRPC 方法。",
    en: "Once the service runs, its gRPC methods are listed here through server reflection.",
  },
  noGrpc: { zh: "本课没有 gRPC 服务。", en: "This lesson has no gRPC service." },
  noAnswer: {
    zh: "选择一个方法，编辑 JSON 请求，然后点“调用”。",
    en: "Pick a method, edit the JSON request, then press Call.",
  },
  stream: { zh: "流式，暂不支持", en: "streaming, not supported yet" },
  response: { zh: "响应消息", en: "Response" },
  metadata: { zh: "元数据", en: "Metadata" },
  headers: { zh: "响应头元数据", en: "Header metadata" },
  trailers: { zh: "尾部元数据", en: "Trailer metadata" },
  none: { zh: "（无）", en: "(none)" },
  via: { zh: "通过反射", en: "via reflection" },
} as const satisfies Record<string, Record<UiLang, string>>;

const tx = (lang: UiLang, key: keyof typeof TEXT): string => TEXT[key][lang];

type Outcome =
  { kind: "result"; label: string; result: GrpcCallResult } | { kind: "error"; label: string; error: ProtocolError };

function asError(err: unknown): ProtocolError {
  return (err as { error?: ProtocolError }).error ?? { code: "INTERNAL", message: String(err) };
}

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
  /** Called after each call the service answered (whatever its gRPC status), for the learner's progress. */
  onCalled?: (service: string, methodPath: string) => void;
}

export function GrpcPanel({ lang, runId, services, onCalled }: GrpcPanelProps) {
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

  const describe = useCallback(async (forRun: string, name: string) => {
    setLoading(true);
    try {
      const { description: d } = await call("grpc:describe", { runId: forRun, service: name }, DESCRIBE_TIMEOUT_MS);
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
  }, []);

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
      const { result } = await call(
        "grpc:call",
        {
          runId,
          service,
          grpcService: serviceOf(method.path),
          method: method.name,
          requestJson: requestText,
        },
        CALL_TIMEOUT_MS,
      );
      setOutcome({ kind: "result", label, result });
      setView("response");
      onCalled?.(service, method.path);
    } catch (err) {
      setOutcome({ kind: "error", label, error: asError(err) });
    } finally {
      setCalling(false);
      setAnswers((n) => n + 1);
    }
  }

  if (grpcServices.length === 0)
    return (
      <section className="requests grpc-panel" aria-label={tx(lang, "panel")}>
        <p className="muted response-empty">{tx(lang, "noGrpc")}</p>
      </section>
    );

  return (
    <section className="requests grpc-panel" aria-label={tx(lang, "panel")}>
      <form className="request-form" onSubmit={(e) => void onCall(e)}>
        <div className="request-line">
          <select
            aria-label={tx(lang, "service")}
            className="request-service"
            value={service}
            onChange={(e) => setService(e.target.value)}
          >
            {grpcServices.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
                {s.stage === "running" ? "" : ` (${tx(lang, "notRunning")})`}
              </option>
            ))}
          </select>
          <select
            aria-label={tx(lang, "method")}
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
                    {isUnary(m) ? "" : ` (${tx(lang, "stream")})`}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
          <button
            type="button"
            className="btn btn-small"
            aria-label={tx(lang, "refresh")}
            title={tx(lang, "refreshHint")}
            disabled={!running || loading}
            onClick={() => runId && void describe(runId, service)}
          >
            {loading ? "…" : "↻"}
          </button>
          <button
            type="submit"
            className="btn btn-primary btn-small"
            aria-label={tx(lang, "callHint")}
            disabled={!running || !method || !isUnary(method) || calling}
          >
            {calling ? "…" : tx(lang, "call")}
          </button>
        </div>
        {describeError && (
          <div className="response-error grpc-describe-error" role="alert">
            <strong>{describeError.message}</strong>
            {describeError.hint && <p>{describeError.hint}</p>}
          </div>
        )}
        {!running && <p className="muted grpc-note">{tx(lang, "pressRun")}</p>}
        {running && loading && !visible && <p className="muted grpc-note">{tx(lang, "loading")}</p>}
        {visible && method && (
          <div className="grpc-request">
            <div className="grpc-request-head">
              <span
                className="muted grpc-signature"
                title={`${method.path}(${method.requestType}) → ${method.responseType} · ${tx(lang, "via")} ${visible.reflection}`}
              >
                <code>{method.requestType.split(".").pop()}</code> → <code>{method.responseType.split(".").pop()}</code>
              </span>
              <button
                type="button"
                className="link-button"
                onClick={() => setDrafts(({ [method.path]: _dropped, ...rest }) => rest)}
              >
                {tx(lang, "template")}
              </button>
            </div>
            <textarea
              aria-label={tx(lang, "request")}
              value={requestText}
              onChange={(e) => setDrafts((d) => ({ ...d, [method.path]: e.target.value }))}
              rows={Math.min(5, Math.max(2, requestText.split("\n").length))}
              spellCheck={false}
            />
            <p
              className="grpc-fields muted"
              title={method.request.fields.map((f) => `${f.jsonName}: ${fieldType(f)}`).join("\n")}
            >
              {tx(lang, "fields")}:{" "}
              {method.request.fields.length === 0
                ? tx(lang, "noFields")
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
        {!outcome && <p className="muted response-empty">{tx(lang, "noAnswer")}</p>}
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
  return lines.length > 0 ? lines.join("\n") : tx(lang, "none");
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
        <span className={`status ${ok ? "status-ok" : "status-server-error"}`} aria-label="gRPC status">
          {result.code} {result.codeName}
        </span>
        <span className="muted">{Math.round(result.durationMs * 10) / 10} ms</span>
        <span className="response-request muted" title={label}>
          {label}
        </span>
        <span className="response-tabs" role="tablist">
          <button role="tab" aria-selected={view === "response"} onClick={() => setView("response")}>
            {tx(lang, "response")}
          </button>
          <button role="tab" aria-selected={view === "metadata"} onClick={() => setView("metadata")}>
            {tx(lang, "metadata")}
          </button>
        </span>
      </div>
      {view === "response" ? (
        <pre
          className={`response-body${ok ? " json" : " grpc-status-message"}`}
          aria-label="gRPC response"
          tabIndex={0}
        >
          {ok ? JSON.stringify(result.response, null, 2) : `${result.codeName}: ${result.message}`}
        </pre>
      ) : (
        <pre className="response-body" aria-label="gRPC metadata" tabIndex={0}>
          {`# ${tx(lang, "headers")}\n${metadataText(lang, result.headers)}\n\n# ${tx(lang, "trailers")}\n${metadataText(lang, result.trailers)}`}
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
          {tx(lang, "tabHttp")}
        </button>
        <button role="tab" aria-selected={tab === "grpc"} onClick={() => setTab("grpc")}>
          {tx(lang, "tabGrpc")}
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
