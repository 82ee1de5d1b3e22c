"use client";
// The lesson's workspace: files in the editor, Run/Stop/Reset, a terminal per service, and the request panel.
import dynamic from "next/dynamic";
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { call, getSocket, useServerState, CallError } from "@/lib/client-socket";
import { usePref } from "@/lib/client-prefs";
import { clearEdits, loadEdits, saveEdits } from "@/lib/client-storage";
import { tabLabels, tabOrder } from "@/lib/client-files";
import {
  appendSpans,
  applyEvent,
  diagnosticsByFile,
  idleView,
  isLive,
  runStarted,
  terminalText,
  type RunView,
} from "@/lib/client-run-state";
import { noteRequest, useRecordProgress } from "@/lib/client-progress-hooks";
import { ALL_PANE, TerminalBus } from "@/lib/client-terminal-bus";
import { EarlyBatches, WriteBarrier } from "@/lib/flow-control";
import type {
  ProtocolError,
  RequestPayload,
  RunEventsBatch,
  RunInfo,
  ServerToClientEvents,
} from "@/lib/socket-protocol";
import type { RequestSpec } from "@/lib/lesson-schema";
import { t, tf, type UiKey } from "@/lib/ui-text";
import type { LessonFiles, SpanData } from "@/sandbox/types";
import { RequestPanel } from "@/components/requests/RequestPanel";
import { GrpcPanel, RequestTabs } from "@/components/requests/GrpcPanel";
import { TracesPanel, TRACES_TAB } from "@/components/traces/TracesPanel";
import { TracesTab } from "@/components/traces/TracesTab";
import { groupTraces } from "@/components/traces/trace-model";
import { LogPanel, type ServiceAction } from "@/components/terminal/LogPanel";
import { StatusBanner } from "./StatusBanner";
import { Splitter, useSplit } from "@/components/ui/Splitter";

const CodeEditor = dynamic(() => import("@/components/editor/CodeEditor"), {
  ssr: false,
  loading: () => <div className="pane-loading" />,
});

const DiffView = dynamic(() => import("@/components/editor/DiffView"), {
  ssr: false,
  loading: () => <div className="pane-loading" />,
});

const ATTACH_TIMEOUT_MS = 10_000;
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 60_000;
/** A restart waits for the old container to stop (its grace period) and the new one to be created. */
const SERVICE_ACTION_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 40_000;
const UPDATE_TIMEOUT_MS = 20_000;
/** How long the answer to a save stays next to the run controls. */
const SAVE_STATUS_MS = 7_000;

export interface WorkspaceProps {
  slug: string;
  originals: LessonFiles;
  openFiles: string[];
  services: { name: string; protocol: "http" | "grpc" }[];
  requests: RequestSpec[];
  /** The lesson runs a trace collector: its empty Traces panel waits for spans instead of saying how to add tracing. */
  traces?: boolean;
  /** Lesson path of each file a service re-reads while it runs → those services (from the manifest's liveFiles). */
  liveFiles?: Record<string, string[]>;
  /** Kubernetes Services of the local rendition: their pods are restarted by probes, not by Stop/Restart. */
  renderedServices?: string[];
}

export function Workspace({
  slug,
  originals,
  openFiles,
  services,
  requests,
  traces,
  liveFiles,
  renderedServices,
}: WorkspaceProps) {
  const lang = usePref("lang");
  const theme = usePref("theme");
  const server = useServerState();
  const paths = useMemo(() => tabOrder(Object.keys(originals), openFiles), [originals, openFiles]);
  const labels = useMemo(() => tabLabels(paths), [paths]);

  const [files, setFiles] = useState<LessonFiles>(originals);
  const [loaded, setLoaded] = useState(false);
  const [revision, setRevision] = useState(0);
  const [active, setActive] = useState(paths[0] ?? "");
  /** The active file's edits beside the original, instead of the plain editor. */
  const [showChanges, setShowChanges] = useState(false);
  const [view, setView] = useState<RunView>(() => idleView(services));
  const [spans, setSpans] = useState<SpanData[]>([]);
  const [lastTraceId, setLastTraceId] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState<"start" | "stop" | null>(null);
  const [pendingService, setPendingService] = useState<string | null>(null);
  const [notice, setNotice] = useState<ProtocolError | null>(null);
  const [saveStatus, setSaveStatus] = useState<{ text: string; tone: "ok" | "info" | "error" } | null>(null);
  const [terminalTab, setTerminalTab] = useState(ALL_PANE);
  const [bus] = useState(() => new TerminalBus(services.map((s) => s.name)));
  const [editorSplit, setEditorSplit] = useSplit("editor", 0.56, 0.2, 0.85);
  const [bottomSplit, setBottomSplit] = useSplit("bottom", 0.56, 0.25, 0.8);

  const runId = useRef<string | null>(null);
  const ended = useRef<string | null>(null);
  const filesRef = useRef(files);
  useEffect(() => {
    filesRef.current = files;
  });

  // Edits come back from localStorage after mount (the server renders the originals).
  useEffect(() => {
    const restored = loadEdits(localStorage, slug, originals);
    setFiles(restored);
    setRevision((r) => r + 1);
    setLoaded(true);
  }, [slug, originals]);

  useEffect(() => {
    if (loaded) saveEdits(localStorage, slug, files, originals);
  }, [loaded, slug, files, originals]);

  const onEdit = useCallback((path: string, text: string) => {
    setFiles((prev) => (prev[path] === text ? prev : { ...prev, [path]: text }));
  }, []);

  // Events of the followed run into the terminals and the view; the tab acknowledges their text once written.
  const applyBatch = useCallback(
    ({ runId: id, events: batch, bytes, dropped }: RunEventsBatch) => {
      // Flow control: the server counts this batch's log text as in flight until every pane has written it.
      const barrier = new WriteBarrier(() => {
        if (bytes > 0) getSocket().emit("run:ack", { runId: id, bytes });
      });
      // A run ends once; anything after its first "ended" is an echo.
      const end = batch.findIndex((e) => e.type === "ended");
      if (ended.current === id) return barrier.seal();
      const events = end === -1 ? batch : batch.slice(0, end + 1);
      if (end !== -1) ended.current = id;
      // The lines were dropped before this batch's text, so the notice comes first.
      for (const [service, lines] of Object.entries(dropped ?? {})) bus.dropped(service, lines, barrier);
      for (const event of events) {
        const out = terminalText(event);
        if (out) bus.write(out.service, out.text, barrier);
      }
      barrier.seal();
      setView((v) => events.reduce(applyEvent, v));
      setSpans((s) => appendSpans(s, events));
    },
    [bus],
  );

  const earlyBatches = useRef(new EarlyBatches<RunEventsBatch>());
  const ackUnshown = useCallback((b: RunEventsBatch) => {
    if (b.bytes > 0) getSocket().emit("run:ack", { runId: b.runId, bytes: b.bytes });
  }, []);

  const adoptRun = useCallback(
    (run: RunInfo) => {
      runId.current = run.runId;
      ended.current = null;
      bus.reset();
      setSpans([]);
      setLastTraceId(undefined);
      setView((v) => runStarted(v, run.runId, run.services));
      // Its first events may have come with the answer that named it (see EarlyBatches).
      const { mine, others } = earlyBatches.current.take(run.runId);
      others.forEach(ackUnshown);
      mine.forEach(applyBatch);
    },
    [bus, applyBatch, ackUnshown],
  );

  // The socket: run events of the followed run, and re-attaching after every (re)connection.
  useEffect(() => {
    const socket = getSocket();
    const onEvents: ServerToClientEvents["run:events"] = (batch) => {
      if (batch.runId === runId.current) applyBatch(batch);
      else earlyBatches.current.hold(batch).forEach(ackUnshown);
    };
    const attach = async () => {
      try {
        const { run } = await call("run:attach", { lessonSlug: slug }, ATTACH_TIMEOUT_MS);
        if (run) adoptRun(run);
        else if (runId.current) setView((v) => (v.ended ? v : { ...v, ended: { reason: "stopped" } }));
      } catch (err) {
        if (err instanceof CallError) setNotice(err.error);
      }
    };
    socket.on("run:events", onEvents);
    socket.on("connect", attach);
    if (socket.connected) void attach();
    return () => {
      socket.off("run:events", onEvents);
      socket.off("connect", attach);
    };
  }, [slug, bus, adoptRun, applyBatch, ackUnshown]);

  const run = useCallback(async () => {
    if (busy === "start") return;
    setBusy("start");
    setNotice(null);
    try {
      const { run: started } = await call("run:start", { lessonSlug: slug, files: filesRef.current }, START_TIMEOUT_MS);
      adoptRun(started);
    } catch (err) {
      if (err instanceof CallError) setNotice(err.error);
    } finally {
      setBusy(null);
    }
  }, [busy, slug, adoptRun]);

  const stop = useCallback(async () => {
    setBusy("stop");
    try {
      await call("run:stop", { runId: runId.current ?? undefined }, STOP_TIMEOUT_MS);
    } catch (err) {
      if (err instanceof CallError && err.error.code !== "NO_RUN") setNotice(err.error);
    } finally {
      setBusy(null);
    }
  }, []);

  // One service of the live run: stopped to watch the others cope, or started again from the Run's files.
  const serviceAction = useCallback(async (service: string, action: ServiceAction) => {
    if (!runId.current) return;
    setPendingService(service);
    setNotice(null);
    try {
      await call("run:service", { runId: runId.current, service, action }, SERVICE_ACTION_TIMEOUT_MS);
    } catch (err) {
      if (err instanceof CallError) setNotice(err.error);
    } finally {
      setPendingService(null);
    }
  }, []);

  const reset = useCallback(() => {
    if (!window.confirm(t(lang, "resetConfirm"))) return;
    clearEdits(localStorage, slug);
    setFiles(originals);
    setRevision((r) => r + 1);
    setView((v) => ({ ...v, diagnostics: {} }));
  }, [lang, slug, originals]);

  const sendRequest = useCallback(
    async (request: Omit<RequestPayload, "runId">) => {
      if (!runId.current) throw new CallError({ code: "NO_RUN", message: "Press Run first." });
      const { response } = await call("run:request", { ...request, runId: runId.current }, REQUEST_TIMEOUT_MS);
      noteRequest(slug, request, requests);
      // The server gave the request a traceparent: the traces panel can jump to that trace once its spans arrive.
      setLastTraceId(response.traceId);
      return response;
    },
    [slug, requests],
  );

  // Saving: edits are already kept in this browser; a live file of a running service is also sent into its
  // container, where the service re-reads it without a restart.
  const saveTimer = useRef<number | undefined>(undefined);
  const showSave = useCallback((text: string, tone: "ok" | "info" | "error", sticky = false) => {
    window.clearTimeout(saveTimer.current);
    setSaveStatus({ text, tone });
    if (!sticky) saveTimer.current = window.setTimeout(() => setSaveStatus(null), SAVE_STATUS_MS);
  }, []);
  useEffect(() => () => window.clearTimeout(saveTimer.current), []);
  const activeRef = useRef(active);
  const liveRef = useRef(false);
  const save = useCallback(async () => {
    const path = activeRef.current;
    const file = path.split("/").pop() ?? path;
    const readers = liveFiles?.[path];
    if (!readers) return showSave(tf(lang, "savedLocally", { file }), "info");
    const vars = { file, services: readers.join(", ") };
    if (!runId.current || !liveRef.current) return showSave(tf(lang, "liveNotRunning", vars), "info");
    showSave(tf(lang, "liveSending", vars), "info", true);
    try {
      const { results } = await call(
        "run:update-files",
        { runId: runId.current, files: { [path]: filesRef.current[path] ?? "" } },
        UPDATE_TIMEOUT_MS,
      );
      const answer = results[0];
      if (answer && answer.updated.length > 0 && answer.failed.length === 0) {
        showSave(tf(lang, "liveSent", { file, services: answer.updated.join(", ") }), "ok");
      } else if (answer?.unchanged) {
        showSave(tf(lang, "liveUnchanged", vars), "info");
      } else {
        showSave(answer?.message ?? file, "error");
      }
    } catch (err) {
      showSave(err instanceof CallError ? err.error.message : String(err), "error");
    }
  }, [lang, liveFiles, showSave]);

  // Ctrl/Cmd+Enter runs and Ctrl/Cmd+S saves, wherever the focus is (captured before Monaco or the browser acts).
  const runRef = useRef(run);
  const saveRef = useRef(save);
  useEffect(() => {
    runRef.current = run;
    saveRef.current = save;
    activeRef.current = active;
    liveRef.current = isLive(view);
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
        e.preventDefault();
        e.stopPropagation();
        void runRef.current();
      } else if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === "s") {
        // Not the browser's "Save page as" dialog.
        e.preventDefault();
        e.stopPropagation();
        void saveRef.current();
      }
    };
    window.addEventListener("keydown", onKey, true);
    return () => window.removeEventListener("keydown", onKey, true);
  }, []);

  const markers = useMemo(() => diagnosticsByFile(view.diagnostics), [view.diagnostics]);

  // New compiler errors: show the first broken file if the open one has none.
  useEffect(() => {
    if (markers.size === 0 || markers.has(active)) return;
    const first = paths.find((p) => markers.has(p));
    if (first) setActive(first);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when the errors change, not on every tab switch
  }, [markers]);

  // A failed service's terminal comes to the front.
  const failed = view.services.find((s) => s.stage === "failed")?.name;
  useEffect(() => {
    if (failed) setTerminalTab(failed);
  }, [failed]);

  const runKeys = useSyncExternalStore(
    () => () => {},
    () => (/Mac|iPhone|iPad/.test(navigator.platform) ? "⌘↵" : "Ctrl↵"),
    () => "Ctrl↵",
  );
  const live = isLive(view);
  const hasServices = services.length > 0;
  const engine = server.status?.engine;
  const engineDown = engine?.state === "unreachable";
  const modified = (p: string) => files[p] !== originals[p];
  const anyModified = paths.some(modified);
  // Only a file with edits has changes to show; the plain editor comes back once it matches the original again.
  const changesShown = showChanges && modified(active);
  // The learner's checklist (lesson 16.10): runs whose services all came up, and whether files were edited.
  useRecordProgress(slug, view, loaded && anyModified);
  // Every lesson with services has the Traces tab: without a collector it says how to add tracing (lesson 16.6).
  const traceCount = useMemo(() => groupTraces(spans).length, [spans]);

  return (
    <section className="workspace" aria-label="Workspace">
      <div className="ws-toolbar">
        {hasServices && (
          <>
            <button
              type="button"
              className="btn btn-run"
              onClick={() => void run()}
              // Not before the stored edits are loaded (and the page hydrated): a Run then would build the original files.
              disabled={!loaded || busy === "start" || engineDown}
              aria-label={t(lang, live ? "runAgain" : "run")}
              title={t(lang, "runHint")}
            >
              <span className="btn-icon" aria-hidden>
                ▶
              </span>
              {t(lang, live ? "runAgain" : "run")}
              <kbd aria-hidden>{runKeys}</kbd>
            </button>
            <button
              type="button"
              className="btn"
              onClick={() => void stop()}
              disabled={!live || busy === "stop"}
              aria-label={t(lang, "stop")}
            >
              <span className="btn-icon" aria-hidden>
                ■
              </span>
              {t(lang, "stop")}
            </button>
          </>
        )}
        <button
          type="button"
          className="btn btn-ghost"
          onClick={reset}
          disabled={!anyModified}
          aria-label={t(lang, "reset")}
          title={t(lang, "resetHint")}
        >
          <span className="btn-icon" aria-hidden>
            ↺
          </span>
          {t(lang, "reset")}
        </button>
        {liveFiles?.[active] && (
          <button
            type="button"
            className="btn btn-ghost btn-live"
            onClick={() => void save()}
            disabled={!live}
            title={t(lang, "sendLiveHint")}
          >
            <span className="btn-icon" aria-hidden>
              ⇪
            </span>
            {t(lang, "sendLive")}
          </button>
        )}
        <div className="ws-services" aria-label={t(lang, "services")}>
          {view.services.map((s) => (
            <span key={s.name} className={`stage-pill stage-${s.stage}`} title={s.detail ?? undefined}>
              <span className="dot" aria-hidden />
              {s.name}
              <span className="stage-word">{t(lang, `stage_${s.stage}` as UiKey)}</span>
            </span>
          ))}
        </div>
      </div>

      {saveStatus && (
        <div className={`ws-save-status tone-${saveStatus.tone}`} role="status" title={saveStatus.text}>
          {saveStatus.text}
        </div>
      )}

      <StatusBanner lang={lang} server={server} view={view} notice={notice} onDismiss={() => setNotice(null)} />

      <div
        className="ws-main"
        style={{
          gridTemplateRows: hasServices
            ? `minmax(0, ${editorSplit}fr) auto minmax(0, ${1 - editorSplit}fr)`
            : "minmax(0, 1fr)",
        }}
      >
        <div className="editor-pane">
          <div className="file-tabs" role="tablist" aria-label={t(lang, "files")}>
            {paths.map((p) => {
              const errors = markers.get(p)?.length ?? 0;
              return (
                <button
                  key={p}
                  type="button"
                  role="tab"
                  aria-selected={p === active}
                  className="file-tab"
                  data-path={p}
                  data-modified={modified(p) || undefined}
                  title={p}
                  onClick={() => setActive(p)}
                >
                  {labels[p]}
                  {errors > 0 && (
                    <span className="tab-errors" title={`${errors} ${t(lang, "problems")}`}>
                      {errors}
                    </span>
                  )}
                  {modified(p) && (
                    <span
                      className="tab-modified"
                      role="img"
                      aria-label={t(lang, "modified")}
                      title={t(lang, "modified")}
                    >
                      ●
                    </span>
                  )}
                </button>
              );
            })}
            <button
              type="button"
              className="file-tabs-changes"
              aria-pressed={changesShown}
              onClick={() => setShowChanges((v) => !v)}
              disabled={!modified(active)}
              title={t(lang, modified(active) ? "changesHint" : "noChangesHint")}
            >
              <span aria-hidden>±</span> {t(lang, "changes")}
            </button>
          </div>
          <div className="editor-host" data-changes={changesShown || undefined}>
            {changesShown && (
              <DiffView
                slug={slug}
                path={active}
                original={originals[active] ?? ""}
                theme={theme}
                label={`${t(lang, "changes")}: ${active}`}
              />
            )}
            {active && (
              <CodeEditor
                slug={slug}
                files={files}
                revision={revision}
                active={active}
                theme={theme}
                diagnostics={markers}
                onChange={onEdit}
                label={`${t(lang, "files")}: ${active}`}
              />
            )}
          </div>
        </div>

        {hasServices && (
          <Splitter direction="rows" fraction={editorSplit} onChange={setEditorSplit} label="Resize editor" />
        )}

        {hasServices && (
          <div
            className="bottom-pane"
            style={{ gridTemplateColumns: `minmax(0, ${bottomSplit}fr) auto minmax(0, ${1 - bottomSplit}fr)` }}
          >
            <LogPanel
              bus={bus}
              lang={lang}
              theme={theme}
              slug={slug}
              runId={view.runId}
              services={view.services}
              active={terminalTab}
              onSelect={setTerminalTab}
              onServiceAction={live ? (service, action) => void serviceAction(service, action) : undefined}
              fixedServices={renderedServices}
              pendingService={pendingService}
              extra={{
                id: TRACES_TAB,
                tab: (
                  <TracesTab
                    lang={lang}
                    selected={terminalTab === TRACES_TAB}
                    traceCount={traceCount}
                    onSelect={() => setTerminalTab(TRACES_TAB)}
                  />
                ),
                pane: (
                  <TracesPanel
                    lang={lang}
                    spans={spans}
                    hasRun={view.runId !== null}
                    traced={traces === true || spans.length > 0}
                    lastRequestTraceId={lastTraceId}
                  />
                ),
                active: terminalTab === TRACES_TAB,
              }}
            />
            <Splitter
              direction="columns"
              fraction={bottomSplit}
              onChange={setBottomSplit}
              label="Resize request panel"
            />
            {services.some((s) => s.protocol === "grpc") ? (
              <RequestTabs
                lang={lang}
                http={
                  <RequestPanel
                    lang={lang}
                    slug={slug}
                    services={view.services}
                    presets={requests}
                    send={sendRequest}
                  />
                }
                grpc={
                  <GrpcPanel
                    lang={lang}
                    runId={view.runId}
                    services={view.services}
                    // A gRPC call counts as a request sent (the lesson's suggestions are HTTP, so never as one of them).
                    onCalled={(service, methodPath) =>
                      noteRequest(slug, { service, method: "GRPC", path: methodPath }, requests)
                    }
                  />
                }
              />
            ) : (
              <RequestPanel lang={lang} slug={slug} services={view.services} presets={requests} send={sendRequest} />
            )}
          </div>
        )}
      </div>
    </section>
  );
}
