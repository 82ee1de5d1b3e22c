// What the page knows about the current run, folded from the engine's events; and how events read in a terminal.
import type { Diagnostic, RunEndReason, RunEvent, ServiceStage, ServiceState, SpanData } from "../../sandbox/types";
import { MAX_SPANS_PER_RUN } from "../../sandbox/limits";
import type { LinkState } from "../shared/faults";

/** "idle": no run yet (or the page has not attached to one). */
export type ServiceStatus = ServiceStage | "idle";

export interface ServiceView {
  name: string;
  stage: ServiceStatus;
  protocol: "http" | "grpc";
  detail?: string;
  hostPort?: number;
}

export interface RunView {
  runId: string | null;
  /** In the lesson's order; services the manifest does not name are added as they appear. */
  services: ServiceView[];
  queuePosition?: number;
  ended?: { reason: RunEndReason; detail?: string };
  /** The latest compiler messages of each service; emptied when its next build succeeds. */
  diagnostics: Record<string, Diagnostic[]>;
  /** The run's fault links and what is in force on each, as the last change said (undefined: not asked yet). */
  faults?: LinkState[];
}

/** The engine names run-wide lines with this service. */
export const ALL_SERVICES = "*";

export function idleView(services: { name: string; protocol: "http" | "grpc" }[]): RunView {
  return {
    runId: null,
    services: services.map((s) => ({ name: s.name, protocol: s.protocol, stage: "idle" })),
    diagnostics: {},
  };
}

/** A new (or re-attached) run: its services' current state; earlier diagnostics stay until a build succeeds. */
export function runStarted(view: RunView, runId: string, states: ServiceState[]): RunView {
  const byName = new Map(states.map((s) => [s.name, s]));
  const services: ServiceView[] = view.services.map((s) => {
    const st = byName.get(s.name);
    return st ? { name: s.name, protocol: st.protocol, stage: st.stage, detail: st.detail, hostPort: st.hostPort } : s;
  });
  for (const st of states)
    if (!view.services.some((s) => s.name === st.name))
      services.push({
        name: st.name,
        protocol: st.protocol,
        stage: st.stage,
        detail: st.detail,
        hostPort: st.hostPort,
      });
  return { runId, services, diagnostics: view.diagnostics };
}

function updateService(view: RunView, name: string, patch: Partial<ServiceView>): RunView {
  if (name === ALL_SERVICES) return view;
  const exists = view.services.some((s) => s.name === name);
  const services = exists
    ? view.services.map((s) => (s.name === name ? { ...s, ...patch } : s))
    : [...view.services, { name, protocol: "http" as const, stage: "idle" as const, ...patch }];
  return { ...view, services };
}

export function applyEvent(view: RunView, event: RunEvent): RunView {
  switch (event.type) {
    case "stage": {
      const patch: Partial<ServiceView> = { stage: event.stage, detail: event.detail };
      if (event.stage === "stopped" || event.stage === "failed") patch.hostPort = undefined;
      return { ...updateService(view, event.service, patch), queuePosition: undefined };
    }
    case "ports":
      return updateService(view, event.service, { hostPort: event.hostPort });
    case "diagnostics":
      return { ...view, diagnostics: { ...view.diagnostics, [event.service]: event.diagnostics } };
    case "queue":
      return { ...view, queuePosition: event.position };
    case "faults":
      return { ...view, faults: event.links };
    case "ended":
      return {
        ...view,
        queuePosition: undefined,
        ended: { reason: event.reason, detail: event.detail },
        faults: undefined,
        services: view.services.map((s) =>
          s.stage === "failed" || s.stage === "idle" ? s : { ...s, stage: "stopped", hostPort: undefined },
        ),
      };
    case "log":
    case "image":
    case "span":
      // Spans are kept apart (appendSpans): a page may hold thousands, and the view is copied on every event.
      return view;
  }
}

/** The spans of a batch of events appended to those the page has, the oldest dropped past the run's limit. */
export function appendSpans(kept: SpanData[], events: RunEvent[], max = MAX_SPANS_PER_RUN): SpanData[] {
  const fresh: SpanData[] = [];
  for (const e of events) if (e.type === "span") fresh.push(e.span);
  if (fresh.length === 0) return kept;
  const all = kept.concat(fresh);
  return all.length > max ? all.slice(all.length - max) : all;
}

/**
 * The events of a batch that a page shows: a run ends once, so everything after its first "ended" is an echo, and a
 * batch of a run that already ended shows nothing (null). `endedRun` is the run whose end the page has seen, if any.
 */
export function eventsToShow(
  runId: string,
  batch: RunEvent[],
  endedRun: string | null,
): { events: RunEvent[]; ends: boolean } | null {
  if (endedRun === runId) return null;
  const end = batch.findIndex((e) => e.type === "ended");
  return end === -1 ? { events: batch, ends: false } : { events: batch.slice(0, end + 1), ends: true };
}

/** The page re-attached and the server has no run for it: the one it followed ended while it was away. */
export function endedWhileAway(view: RunView): RunView {
  return view.runId === null || view.ended ? view : { ...view, ended: { reason: "stopped" } };
}

export function isLive(view: RunView): boolean {
  return view.runId !== null && !view.ended;
}

/** Every diagnostic, grouped by lesson file. */
export function diagnosticsByFile(diagnostics: RunView["diagnostics"]): Map<string, Diagnostic[]> {
  const out = new Map<string, Diagnostic[]>();
  for (const list of Object.values(diagnostics)) for (const d of list) out.set(d.file, [...(out.get(d.file) ?? []), d]);
  return out;
}

// --- terminal text ---

const ESC = "\x1b[";
const paint = (code: string, text: string) => `${ESC}${code}m${text}${ESC}0m`;

const STAGE_STYLE: Record<ServiceStage, { code: string; mark: string; words: string }> = {
  queued: { code: "2", mark: "○", words: "queued" },
  building: { code: "1;36", mark: "◆", words: "building…" },
  starting: { code: "1;33", mark: "◆", words: "starting…" },
  running: { code: "1;32", mark: "●", words: "running" },
  failed: { code: "1;31", mark: "✖", words: "failed" },
  stopped: { code: "2", mark: "■", words: "stopped" },
};

const END_WORDS: Record<RunEndReason, string> = {
  stopped: "run stopped",
  timeout: "run stopped: time limit reached",
  failed: "run ended: every service has stopped",
  "engine-error": "run ended: the sandbox engine failed",
};

/** Where an event's text goes (a service's terminal, or every terminal) and what it says, with ANSI colours. */
export function terminalText(event: RunEvent): { service: string; text: string } | null {
  switch (event.type) {
    case "stage": {
      const s = STAGE_STYLE[event.stage];
      const detail = event.detail ? `: ${event.detail}` : "";
      return { service: event.service, text: paint(s.code, `${s.mark} ${s.words}${detail}`) + "\n" };
    }
    case "log":
      // The engine's own lines are cyan (not dim: dimmed text falls under WCAG AA contrast); the program's stdout and
      // stderr are shown as written.
      return { service: event.service, text: event.stream === "system" ? paintLines("36", event.text) : event.text };
    case "queue":
      return {
        service: ALL_SERVICES,
        text: paint("33", `… waiting for a free slot: position ${event.position} in the queue`) + "\n",
      };
    case "ended": {
      const detail = event.detail ? ` (${event.detail})` : "";
      return {
        service: ALL_SERVICES,
        text: paint(event.reason === "stopped" ? "2" : "1;31", `■ ${END_WORDS[event.reason]}${detail}`) + "\n",
      };
    }
    default:
      return null;
  }
}

/** Colours each line separately, so a colour never leaks past a line the terminal wraps or a chunk boundary. */
function paintLines(code: string, text: string): string {
  return text.replace(/[^\n]+/g, (line) => paint(code, line));
}

/** Terminal text without ANSI escapes (what a test or a screen reader sees). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
}
