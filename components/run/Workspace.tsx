"use client";
// The lesson's workspace, as layout only: files in the editor, Run/Stop/Reset, a terminal per service, the request
// panel and the traces. What happens lives in hooks (./hooks): the run, the edits, live save, requests, shortcuts.
import dynamic from "next/dynamic";
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { useServerState } from "@/lib/client/socket";
import { usePref } from "@/lib/client/prefs";
import { sourceLabel, tabLabels, tabOrder } from "@/lib/client/files";
import { diagnosticsByFile, isLive } from "@/lib/client/run-state";
import { useRecordProgress } from "@/lib/client/progress-hooks";
import type { RequestSpec } from "@/lib/shared/lesson-schema";
import { t, tf, type UiKey } from "@/lib/shared/ui-text";
import type { LessonFiles, SpanData } from "@/sandbox/types";
import { RequestPanel } from "@/components/requests/RequestPanel";
import { GrpcPanel, RequestTabs } from "@/components/requests/GrpcPanel";
import { TracesPanel, TRACES_TAB } from "@/components/traces/TracesPanel";
import { TracesTab } from "@/components/traces/TracesTab";
import { groupTraces } from "@/components/traces/trace-model";
import { LogPanel } from "@/components/terminal/LogPanel";
import { SHELL_PANE } from "@/components/terminal/shell-pane-id";
import { StatusBanner } from "./StatusBanner";
import { Splitter, useSplit } from "@/components/ui/Splitter";
import { useEdits } from "./hooks/useEdits";
import { useRun } from "./hooks/useRun";
import { useFaults } from "./hooks/useFaults";
import { useServiceActions } from "./hooks/useServiceActions";
import { useRequests } from "./hooks/useRequests";
import { useLiveSave } from "./hooks/useLiveSave";
import { useShortcuts } from "./hooks/useShortcuts";
import { useActiveFile, useTerminalTab } from "./hooks/useFocus";
import { findCodeLinks, onOpenCode, spanCodeLink } from "@/lib/client/code-links";
import type { Reveal } from "@/components/editor/CodeEditor";

/** Read-only sources kept open at once: one more closes the oldest. */
const MAX_SOURCE_TABS = 6;

const ShellPane = dynamic(() => import("@/components/terminal/ShellPane"), { ssr: false });
const CodeEditor = dynamic(() => import("@/components/editor/CodeEditor"), {
  ssr: false,
  loading: () => <div className="pane-loading" />,
});

const DiffView = dynamic(() => import("@/components/editor/DiffView"), {
  ssr: false,
  loading: () => <div className="pane-loading" />,
});

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
  /** Kubernetes Services (lesson 16.8.2): their pods are the cluster's to restart, not Stop/Restart's. */
  renderedServices?: string[];
  /** Each service's folder in the lesson, so a file:line in its output links to the file. */
  serviceDirs?: Record<string, string>;
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
  serviceDirs,
}: WorkspaceProps) {
  const lang = usePref("lang");
  const theme = usePref("theme");
  const server = useServerState();
  const paths = useMemo(() => tabOrder(Object.keys(originals), openFiles), [originals, openFiles]);
  const labels = useMemo(() => tabLabels(paths), [paths]);

  const edits = useEdits(slug, originals);
  const run = useRun(slug, services);
  const { view, spans, bus } = run;
  const live = isLive(view);
  const actions = useServiceActions(run.runId, run.report);
  const faults = useFaults(view.runId, live, view.faults);
  const sends = useRequests(slug, requests, run.runId, view.runId);
  const markers = useMemo(() => diagnosticsByFile(view.diagnostics), [view.diagnostics]);
  const [active, setActive] = useActiveFile(paths, markers);
  const codeLinks = useMemo(
    () => (service: string, text: string) => findCodeLinks(text, serviceDirs?.[service], (p) => p in originals),
    [serviceDirs, originals],
  );
  const spanCode = useMemo(
    () => (span: SpanData) => spanCodeLink(span.attributes, serviceDirs?.[span.service], (p) => p in originals),
    [serviceDirs, originals],
  );
  const [reveal, setReveal] = useState<Reveal>();
  /** Read-only Go sources open in tabs of their own (where gopls's Go to Definition led), and the one in front. */
  const [sources, setSources] = useState<string[]>([]);
  const [source, setSource] = useState<string>();
  const showFile = useCallback(
    (path: string) => {
      setSource(undefined);
      setActive(path);
    },
    [setActive],
  );
  useEffect(
    () =>
      onOpenCode((place) => {
        const { line, column } = place;
        if ("source" in place) {
          setSources((open) => (open.includes(place.source) ? open : [...open, place.source].slice(-MAX_SOURCE_TABS)));
          setSource(place.source);
          setReveal((r) => ({ target: { source: place.source }, line, column, seq: (r?.seq ?? 0) + 1 }));
        } else {
          showFile(place.path);
          setReveal((r) => ({ target: { path: place.path }, line, column, seq: (r?.seq ?? 0) + 1 }));
        }
      }),
    [showFile],
  );
  // A source opened from the editor lands at the end of the tabs, often out of sight: bring it into view.
  useEffect(() => {
    if (source)
      document
        .querySelector('.source-tab[aria-selected="true"]')
        ?.scrollIntoView({ block: "nearest", inline: "nearest" });
  }, [source]);
  const closeSource = useCallback(() => {
    setSources((open) => open.filter((s) => s !== source));
    setSource(undefined);
  }, [source]);
  const [terminalTab, setTerminalTab] = useTerminalTab(view);
  const liveSave = useLiveSave({ liveFiles, active, live, runId: run.runId, files: edits.current });
  /** The active file's edits beside the original, instead of the plain editor. */
  const [showChanges, setShowChanges] = useState(false);
  const [editorSplit, setEditorSplit] = useSplit("editor", 0.56, 0.2, 0.85);
  const [bottomSplit, setBottomSplit] = useSplit("bottom", 0.56, 0.25, 0.8);

  const { start, clearDiagnostics } = run;
  const { current, reset: resetEdits } = edits;
  const startRun = useCallback(() => void start(current()), [start, current]);
  const reset = useCallback(() => {
    if (!window.confirm(t(lang, "resetConfirm"))) return;
    resetEdits();
    clearDiagnostics();
  }, [lang, resetEdits, clearDiagnostics]);
  useShortcuts({ run: startRun, save: () => void liveSave.save() });

  const runKeys = useSyncExternalStore(
    () => () => {},
    () => (/Mac|iPhone|iPad/.test(navigator.platform) ? "⌘↵" : "Ctrl↵"),
    () => "Ctrl↵",
  );
  const hasServices = services.length > 0;
  const engineDown = server.status?.engine?.state === "unreachable";
  // A Kubernetes lesson runs once the cluster is ready; until then its banner says how far the cluster has got.
  const needsCluster = (renderedServices?.length ?? 0) > 0;
  const clusterState = server.status?.cluster?.state;
  const clusterWait = needsCluster && clusterState !== undefined && clusterState !== "ready";
  const { files, loaded, revision, isModified: modified } = edits;
  const anyModified = paths.some(modified);
  // Only a file with edits has changes to show; the plain editor comes back once it matches the original again.
  const changesShown = showChanges && !source && modified(active);
  // The learner's checklist (lesson 16.10): runs whose services all came up, and whether files were edited.
  useRecordProgress(slug, view, loaded && anyModified);
  // Every lesson with services has the Traces tab: without a collector it says how to add tracing (lesson 16.6).
  const traceCount = useMemo(() => groupTraces(spans).length, [spans]);
  const saveStatus = liveSave.status;
  const saveText = saveStatus && ("key" in saveStatus ? tf(lang, saveStatus.key, saveStatus.vars) : saveStatus.text);

  return (
    <section className="workspace" aria-label={t(lang, "workspace")}>
      <div className="ws-toolbar">
        {hasServices && (
          <>
            <button
              type="button"
              className="btn btn-run"
              onClick={startRun}
              // Not before the stored edits are loaded (and the page hydrated): a Run then would build the original files.
              disabled={!loaded || run.busy === "start" || engineDown || clusterWait}
              aria-label={t(lang, live ? "runAgain" : "run")}
              title={t(lang, clusterWait ? "clusterNeeded" : "runHint")}
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
              onClick={() => void run.stop()}
              disabled={!live || run.busy === "stop"}
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
            onClick={() => void liveSave.save()}
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
        <div className={`ws-save-status tone-${saveStatus.tone}`} role="status" title={saveText ?? undefined}>
          {saveText}
        </div>
      )}

      <StatusBanner
        lang={lang}
        server={server}
        view={view}
        notice={run.notice}
        onDismiss={() => run.report(null)}
        needsCluster={needsCluster}
      />

      <div
        className="ws-main"
        style={{
          gridTemplateRows: hasServices
            ? `minmax(0, ${editorSplit}fr) auto minmax(0, ${1 - editorSplit}fr)`
            : "minmax(0, 1fr)",
        }}
      >
        <div className="editor-pane">
          <div className="file-tabs">
            {/* The tabs alone: the Changes button beside them is not a tab. */}
            <div className="file-tabs-list" role="tablist" aria-label={t(lang, "files")}>
              {paths.map((p) => {
                const errors = markers.get(p)?.length ?? 0;
                return (
                  <button
                    key={p}
                    type="button"
                    role="tab"
                    aria-selected={p === active && !source}
                    className="file-tab"
                    data-path={p}
                    data-modified={modified(p) || undefined}
                    title={p}
                    onClick={() => showFile(p)}
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
              {sources.map((src) => (
                <button
                  key={src}
                  type="button"
                  role="tab"
                  aria-selected={src === source}
                  className="file-tab source-tab"
                  data-source={src}
                  title={`${src}\n${t(lang, "readOnlySource")}`}
                  onClick={() => setSource(src)}
                >
                  <svg aria-hidden className="source-tab-lock" viewBox="0 0 16 16" width="11" height="11">
                    <path
                      fill="currentColor"
                      d="M5 7V5a3 3 0 1 1 6 0v2h1a1 1 0 0 1 1 1v6a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1h1zm1.5 0h3V5a1.5 1.5 0 0 0-3 0v2z"
                    />
                  </svg>
                  {sourceLabel(src)}
                </button>
              ))}
            </div>
            {/* Stays at the right end of the tabs however far they scroll. */}
            <div className="file-tabs-end">
              {source && (
                <button
                  type="button"
                  className="file-tabs-changes file-tabs-close-source"
                  onClick={closeSource}
                  title={t(lang, "closeSource")}
                  aria-label={t(lang, "closeSource")}
                >
                  <span aria-hidden>×</span>
                </button>
              )}
              <button
                type="button"
                className="file-tabs-changes"
                aria-pressed={changesShown}
                onClick={() => setShowChanges((v) => !v)}
                disabled={Boolean(source) || !modified(active)}
                title={t(lang, modified(active) ? "changesHint" : "noChangesHint")}
              >
                <span aria-hidden>±</span> {t(lang, "changes")}
              </button>
            </div>
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
                source={source}
                theme={theme}
                diagnostics={markers}
                onChange={edits.edit}
                reveal={reveal}
                label={`${t(lang, "files")}: ${source ?? active}`}
              />
            )}
          </div>
        </div>

        {hasServices && (
          <Splitter direction="rows" fraction={editorSplit} onChange={setEditorSplit} label={t(lang, "resizeEditor")} />
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
              onServiceAction={live ? (service, action) => void actions.act(service, action) : undefined}
              fixedServices={renderedServices}
              codeLinks={codeLinks}
              pendingService={actions.pending}
              extras={[
                {
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
                      lastRequestTraceId={sends.lastTraceId}
                      faults={faults}
                      codeOf={spanCode}
                    />
                  ),
                  active: terminalTab === TRACES_TAB,
                },
                {
                  id: SHELL_PANE,
                  tab: (
                    <button
                      type="button"
                      role="tab"
                      aria-selected={terminalTab === SHELL_PANE}
                      className="terminal-tab shell-tab"
                      data-tab="shell"
                      onClick={() => setTerminalTab(SHELL_PANE)}
                    >
                      <span aria-hidden>$</span>
                      {t(lang, "shell.tab")}
                    </button>
                  ),
                  pane: (
                    <ShellPane
                      runId={live ? view.runId : null}
                      active={terminalTab === SHELL_PANE}
                      theme={theme}
                      lang={lang}
                      cluster={needsCluster}
                    />
                  ),
                  active: terminalTab === SHELL_PANE,
                },
              ]}
            />
            <Splitter
              direction="columns"
              fraction={bottomSplit}
              onChange={setBottomSplit}
              label={t(lang, "resizeRequests")}
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
                    send={sends.sendHttp}
                  />
                }
                grpc={
                  <GrpcPanel
                    lang={lang}
                    runId={view.runId}
                    services={view.services}
                    describe={sends.describeGrpc}
                    call={sends.callGrpc}
                  />
                }
              />
            ) : (
              <RequestPanel lang={lang} slug={slug} services={view.services} presets={requests} send={sends.sendHttp} />
            )}
          </div>
        )}
      </div>
    </section>
  );
}
