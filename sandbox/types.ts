// The engine's public vocabulary: what the web side and the CLI see of a run. No dockerode types leak out.
import type { Fault, Link, LinkState } from "../lib/shared/faults";
import type { LessonManifest } from "../lib/shared/lesson-schema";
import type { LiveFileResult } from "./live-files";
import type { ShellHandle } from "./shell";

export type { LiveFileResult };

/** Lesson files as the learner has them: lesson-relative path → UTF-8 text. */
export type LessonFiles = Record<string, string>;

export type ServiceStage = "queued" | "building" | "starting" | "running" | "failed" | "stopped";

/** A compiler message mapped back to a lesson file, for the editor's markers. */
export interface Diagnostic {
  service: string;
  file: string; // lesson-relative, e.g. "services/monolith/main.go"
  line: number; // 1-based
  column: number; // 1-based; 1 when the compiler gives none
  message: string;
  /** Absent means an error; a warning (e.g. an unpinned image in a Kubernetes manifest) does not stop a Run. */
  severity?: "error" | "warning";
}

/** One stage of a service's Dockerfile build and the size of the image it produced. */
export interface ImageStageSize {
  name?: string;
  base: string;
  bytes: number;
}

/** An attribute value as the collector prints it (OTLP's AnyValue, flattened to JSON). */
export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };

export type SpanKind = "internal" | "server" | "client" | "producer" | "consumer" | "unspecified";

export interface SpanEventData {
  name: string;
  /** Unix time in microseconds. */
  timeUs: number;
  attributes: Record<string, AttributeValue>;
}

/** One finished span, as a service of the run exported it to the lesson's collector (see sandbox/spans.ts). */
export interface SpanData {
  traceId: string; // 32 hex digits
  spanId: string; // 16 hex digits
  parentSpanId?: string;
  /** The resource's service.name. */
  service: string;
  /** The instrumentation scope that made the span (e.g. otelhttp). */
  scope?: string;
  name: string;
  kind: SpanKind;
  /** Unix time in microseconds: exact in a JavaScript number, which nanoseconds since 1970 are not. */
  startUs: number;
  endUs: number;
  status: { code: "unset" | "ok" | "error"; message?: string };
  attributes: Record<string, AttributeValue>;
  events: SpanEventData[];
}

export type RunEvent =
  | { type: "stage"; service: string; stage: ServiceStage; detail?: string; at: number }
  | { type: "log"; service: string; stream: "stdout" | "stderr" | "system"; text: string }
  | { type: "diagnostics"; service: string; diagnostics: Diagnostic[] }
  | { type: "ports"; service: string; hostPort: number }
  /** A service built from its Dockerfile: the image's size, and the sizes of the stages left behind. */
  | { type: "image"; service: string; bytes: number; final: ImageStageSize; earlier: ImageStageSize[]; seconds: number }
  | { type: "queue"; position: number }
  | { type: "span"; span: SpanData }
  /** The run's fault links and what is in force on each, after a change made from the page or by a check. */
  | { type: "faults"; links: LinkState[] }
  | { type: "ended"; reason: RunEndReason; detail?: string };

export type RunEndReason = "stopped" | "timeout" | "failed" | "engine-error";

export interface ServiceState {
  name: string;
  stage: ServiceStage;
  /** Port on 127.0.0.1 that reaches the service, once it is started. */
  hostPort?: number;
  protocol: "http" | "grpc";
  detail?: string;
}

export interface HttpRequestSpec {
  service: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

export interface HttpResponseSummary {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
  bodyTruncated: boolean;
  durationMs: number;
  /** The trace the request belongs to: the traceparent the request panel added, or the one the request brought. */
  traceId?: string;
}

export interface RunHandle {
  readonly id: string;
  readonly lessonSlug: string;
  /** Every event so far is replayed to a new listener (bounded), then live ones follow. */
  subscribe(listener: (event: RunEvent) => void): () => void;
  services(): ServiceState[];
  /** Resolves when every service is running, rejects when one fails or the run ends first. */
  whenAllRunning(): Promise<void>;
  /** Sends an HTTP request to a running service through its 127.0.0.1 port. */
  request(spec: HttpRequestSpec): Promise<HttpResponseSummary>;
  /** Writes edited live files (a watched config.yaml) into the running services that re-read them; no restart. */
  updateFiles(files: LessonFiles): Promise<LiveFileResult[]>;
  /** Stops one service (SIGTERM, then SIGKILL after a grace period); the others go on running. */
  stopService(name: string): Promise<void>;
  /** Replaces one service's container with a fresh one built from the Run's files. */
  restartService(name: string): Promise<void>;
  /** Opens (or returns the open) shell of the run: a terminal in a toolbox container on its network. */
  openShell(size: { cols: number; rows: number }): Promise<ShellHandle>;
  /** The run's fault links (the lesson's `faults`) and the faults in force on each; [] for a lesson without. */
  faultLinks(): Promise<LinkState[]>;
  /** Puts a fault on a link (replacing one of its type); then says every link's state as a "faults" event. */
  addFault(link: Link, fault: Fault): Promise<LinkState[]>;
  /** Takes the fault of this name (its type, or a toxic's name) off a link. */
  removeFault(link: Link, name: string): Promise<LinkState[]>;
  /** Removes the run's containers and network; idempotent. */
  stop(reason?: RunEndReason): Promise<void>;
  readonly ended: boolean;
}

export interface LoadedLesson {
  slug: string;
  dir: string;
  manifest: LessonManifest;
  text: { zh: string; en: string };
  files: LessonFiles;
}
