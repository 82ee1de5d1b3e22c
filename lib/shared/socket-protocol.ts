// The socket.io vocabulary shared by server.mts and the browser: event names, payloads, and their validation.
import { z } from "zod";
import type { WallCard } from "./class-protocol";
import type { HttpResponseSummary, LiveFileResult, RunEvent, ServiceState } from "../../sandbox/types";
import type { GoplsDiagnostic } from "../../sandbox/gopls-results";
import type { SandboxErrorCode } from "../../sandbox/errors";
import type { GrpcCallResult, GrpcDescription } from "./grpc-shapes";
import { faultSchema, linkSchema, toxicNameSchema, type LinkState } from "./faults";

/** Largest message a client may send (a run's files); socket.io drops the connection above it. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** How long the server keeps a disconnected client's run, so a reload can re-attach to it. */
export const RECONNECT_GRACE_MS = 3_000;
/** Server-side batching of run events per socket: flush after this delay or this many bytes of log text. */
export const EVENT_BATCH_MS = 25;
export const EVENT_BATCH_BYTES = 64 * 1024;
/** How many recent image-build lines a newly connected client receives. */
export const IMAGE_PROGRESS_BACKLOG = 40;

const slug = z.string().regex(/^[a-z0-9-]{1,80}$/, "a lesson slug");
const runId = z.string().min(1).max(128);
const serviceName = z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, "a service name");

export const clientIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, "a client id");

/** The browser has written this much of a run's log text (the `bytes` of the batches it got) into its terminals. */
export const ackPayload = z
  .object({
    runId,
    bytes: z
      .number()
      .int()
      .min(0)
      .max(1 << 30),
  })
  .strict();

export const attachPayload = z.object({ lessonSlug: slug }).strict();

export const startPayload = z
  .object({
    lessonSlug: slug,
    /** Lesson-relative path → text; the engine checks paths, sizes and encoding. null runs the originals. */
    files: z.record(z.string().min(1).max(300), z.string()).nullable(),
  })
  .strict();

/** Without a runId: whatever run the client has, including one still waiting for the image. */
export const stopPayload = z.object({ runId: runId.optional() }).strict();

/** Headers of one request from the request panel. */
export const MAX_REQUEST_HEADERS = 64;

export const requestPayload = z
  .object({
    runId,
    service: serviceName,
    method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
    path: z
      .string()
      .min(1)
      .max(2048)
      .refine((p) => p.startsWith("/") && !p.startsWith("//"), "a path starting with /"),
    headers: z
      .record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "a header name"), z.string().max(8192))
      // Each is forwarded to the learner's service: a browser sends a dozen, a hand-written request a few more.
      .refine((h) => Object.keys(h).length <= MAX_REQUEST_HEADERS, {
        message: `at most ${MAX_REQUEST_HEADERS} headers`,
      }),
    body: z
      .string()
      .max(1024 * 1024)
      .optional(),
  })
  .strict();

/** Most files one save sends to a running run (the page sends the one file it saved). */
export const MAX_LIVE_FILES = 8;

/** Edited live files (e.g. a watched config.yaml) for the client's running services; the engine checks them. */
export const updateFilesPayload = z
  .object({
    runId,
    files: z
      .record(z.string().min(1).max(300), z.string())
      .refine((f) => Object.keys(f).length >= 1 && Object.keys(f).length <= MAX_LIVE_FILES, {
        message: `1 to ${MAX_LIVE_FILES} files`,
      }),
  })
  .strict();

export type AckPayload = z.infer<typeof ackPayload>;
export type UpdateFilesPayload = z.infer<typeof updateFilesPayload>;

/** Stop one service of the run, or start it again (a new container from the Run's files). */
export const serviceActionPayload = z
  .object({ runId, service: serviceName, action: z.enum(["stop", "restart"]) })
  .strict();
export type ServiceActionPayload = z.infer<typeof serviceActionPayload>;

/** The run's fault links and what is in force on each. */
export const faultsPayload = z.object({ runId }).strict();
/** Puts a fault on one link of the run (replacing one of its type), or takes one off by its name. */
export const faultActionPayload = z.discriminatedUnion("action", [
  z.object({ runId, link: linkSchema, action: z.literal("add"), fault: faultSchema }).strict(),
  z.object({ runId, link: linkSchema, action: z.literal("remove"), name: toxicNameSchema }).strict(),
]);
export type FaultsPayload = z.infer<typeof faultsPayload>;
export type FaultActionPayload = z.infer<typeof faultActionPayload>;
/** A full protobuf name: package.Service (letters, digits, _ and dots). */
const protoName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, "a protobuf name")
  .max(300);

/** The service's reflection: its gRPC services, methods and request message fields. */
export const grpcDescribePayload = z.object({ runId, service: serviceName }).strict();

/** Largest JSON request of a gRPC call (the sample messages are a few hundred bytes). */
export const MAX_GRPC_REQUEST_CHARS = 256 * 1024;

export const grpcCallPayload = z
  .object({
    runId,
    service: serviceName,
    /** The gRPC service's full name, e.g. "user.v1.UserService". */
    grpcService: protoName,
    method: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "a method name"),
    /** The request message as JSON text; the server parses it so the learner sees JSON errors worded once. */
    requestJson: z.string().max(MAX_GRPC_REQUEST_CHARS),
    timeoutMs: z.number().int().min(100).max(30_000).optional(),
  })
  .strict();

/** A terminal's size, as xterm.js measures it (the engine clamps it again). */
const terminalSize = { cols: z.number().int().min(2).max(500), rows: z.number().int().min(2).max(200) };
export const shellOpenPayload = z.object({ runId, ...terminalSize }).strict();
/** Keystrokes or a paste: 16 KiB at most per message (a larger paste is sent in parts). */
export const MAX_SHELL_INPUT_CHARS = 16 * 1024;
export const shellInputPayload = z.object({ runId, data: z.string().min(1).max(MAX_SHELL_INPUT_CHARS) }).strict();
export const shellResizePayload = shellOpenPayload;
/** Shell output the tab has written into its terminal (UTF-16 units). */
export const shellAckPayload = z
  .object({
    runId,
    chars: z
      .number()
      .int()
      .min(0)
      .max(1 << 30),
  })
  .strict();
export type ShellOpenPayload = z.infer<typeof shellOpenPayload>;
export type ShellInputPayload = z.infer<typeof shellInputPayload>;
export type ShellAckPayload = z.infer<typeof shellAckPayload>;

/** A position in a document as LSP counts it: 0-based line, UTF-16 character. */
const lspPosition = z
  .object({ line: z.number().int().min(0).max(1_000_000), character: z.number().int().min(0).max(1_000_000) })
  .strict();
const lspRange = z.object({ start: lspPosition, end: lspPosition }).strict();
/** A lesson-relative path of a Go file (the engine checks it is one of the lesson's own). */
const goPath = z.string().min(1).max(300);
/** Go files of a lesson that gopls gets at once, and the largest text of one (as a run's files). */
export const MAX_GOPLS_FILES = 32;
export const MAX_GOPLS_TEXT_CHARS = 256 * 1024;
/** Edits in one change message: a keystroke is one, a multi-cursor edit a few. */
export const MAX_GOPLS_CHANGES = 64;

/** The lesson's Go files as the editor has them: gopls (re)opens them all, and starts if it is not running. */
export const goplsOpenPayload = z
  .object({
    lessonSlug: slug,
    files: z
      .record(goPath, z.string().max(MAX_GOPLS_TEXT_CHARS))
      .refine((f) => Object.keys(f).length <= MAX_GOPLS_FILES, { message: `at most ${MAX_GOPLS_FILES} files` }),
    /** The file in front: its module loads first. */
    focus: goPath.optional(),
  })
  .strict();

/** An edit of one file as Monaco reports it (incremental, applied in order). */
export const goplsChangePayload = z
  .object({
    lessonSlug: slug,
    path: goPath,
    changes: z
      .array(z.object({ range: lspRange, text: z.string().max(MAX_GOPLS_TEXT_CHARS) }).strict())
      .min(1)
      .max(MAX_GOPLS_CHANGES),
  })
  .strict();

export const GOPLS_METHODS = [
  "completion",
  "hover",
  "signatureHelp",
  "definition",
  "formatting",
  "organizeImports",
  "references",
  "rename",
] as const;

/** One question to gopls about a file (at a position, for those that take one). */
export const goplsRequestPayload = z
  .object({
    lessonSlug: slug,
    method: z.enum(GOPLS_METHODS),
    path: goPath,
    position: lspPosition.optional(),
    /** A rename's new name (gopls says whether it is a valid one). */
    newName: z.string().min(1).max(200).optional(),
  })
  .strict();

/** A read-only Go source of the image (a module's, the standard library's) that a definition pointed at. */
export const goplsSourcePayload = z.object({ lessonSlug: slug, path: z.string().min(1).max(1024) }).strict();

export type GoplsOpenPayload = z.infer<typeof goplsOpenPayload>;
export type GoplsChangePayload = z.infer<typeof goplsChangePayload>;
export type GoplsRequestPayload = z.infer<typeof goplsRequestPayload>;
export type GoplsSourcePayload = z.infer<typeof goplsSourcePayload>;

/** What a diagnostic of gopls looks like on the page. */
export interface GoplsDiagnosticsMessage {
  lessonSlug: string;
  path: string;
  diagnostics: GoplsDiagnostic[];
}

export type AttachPayload = z.infer<typeof attachPayload>;
export type StartPayload = z.infer<typeof startPayload>;
export type StopPayload = z.infer<typeof stopPayload>;
export type RequestPayload = z.infer<typeof requestPayload>;
export type GrpcDescribePayload = z.infer<typeof grpcDescribePayload>;
export type GrpcCallPayload = z.infer<typeof grpcCallPayload>;

/** Codes of the engine plus the few the socket layer adds (RATE_LIMITED: too many events, or calls in flight). */
export type ProtocolErrorCode = SandboxErrorCode | "NO_RUN" | "IMAGE_BUILD_FAILED" | "INTERNAL" | "RATE_LIMITED";

export interface ProtocolError {
  code: ProtocolErrorCode;
  message: string;
  hint?: string;
}

export type Ack<T> = (answer: T | { error: ProtocolError }) => void;

export interface RunInfo {
  runId: string;
  lessonSlug: string;
  services: ServiceState[];
}

export type EngineStatus =
  | { state: "checking" }
  | { state: "ok"; serverVersion: string; apiVersion: string }
  | { state: "unreachable"; message: string; hint: string };

export type ImageStatus =
  | { state: "unknown" }
  | { state: "preparing" }
  | { state: "ready"; tag: string }
  | { state: "failed"; message: string; hint?: string };

/** The Kubernetes cluster lesson 16.8.2 runs on; other lessons never wait for it. */
export type ClusterStatusView =
  | { state: "checking" }
  | { state: "ready"; name: string }
  /** Not answering yet: `progress` holds the last lines of its build/start when one is under way. */
  | { state: "starting"; name: string; detail: string; progress: string[] }
  | { state: "absent"; name: string; detail: string };

export interface PlaygroundStatus {
  engine: EngineStatus;
  image: ImageStatus;
  cluster: ClusterStatusView;
}

/** One message of a run's events to a tab. */
export interface RunEventsBatch {
  runId: string;
  events: RunEvent[];
  /** Log text in this batch (UTF-16 units), which the tab acknowledges with "run:ack" once written. */
  bytes: number;
  /** Lines of live output not sent to this tab, per service, because it had fallen behind (since the last count). */
  dropped?: Record<string, number>;
}

export interface ServerToClientEvents {
  /** Class mode, to the teacher's pages: every learner's card on connection, then one card whenever it changes. */
  "class:wall": (cards: WallCard[]) => void;
  "class:card": (card: WallCard) => void;
  /** Sent on connection and whenever the engine or the image changes. */
  status: (status: PlaygroundStatus) => void;
  /** Lines of the sandbox image build, as they come (a backlog on connection). */
  "image:progress": (lines: string[]) => void;
  /** Events of the run this socket follows, batched; a new subscriber first gets the run's past events. */
  "run:events": (batch: RunEventsBatch) => void;
  /** Output of the run's shell (to the tab that opened it last), acknowledged with "shell:ack" once written. */
  "shell:output": (payload: { runId: string; data: string }) => void;
  /** The shell ended: it exited (`code`), its run ended, or another tab opened it ("moved"). */
  "shell:closed": (payload: { runId: string; reason: "exited" | "moved"; code?: number }) => void;
  /** gopls's diagnostics of one file of the lesson (all of them: an empty list clears the file's markers). */
  "gopls:diagnostics": (payload: GoplsDiagnosticsMessage) => void;
}

export interface ClientToServerEvents {
  /** Follow this client's live run of the lesson, if any (its past events are replayed); a run of another lesson is stopped. */
  "run:attach": (payload: AttachPayload, ack: Ack<{ run: RunInfo | null }>) => void;
  /** Starts a new run of the lesson (waiting for the sandbox image if it is being built); stops the client's previous run. */
  "run:start": (payload: StartPayload, ack: Ack<{ run: RunInfo }>) => void;
  "run:stop": (payload: StopPayload, ack: Ack<{ ok: true }>) => void;
  /** An HTTP request to a running service, made by the server through the run's published port. */
  "run:request": (payload: RequestPayload, ack: Ack<{ response: HttpResponseSummary }>) => void;
  /** Writes edited live files into the running services that re-read them (no restart); says what each got. */
  "run:update-files": (payload: UpdateFilesPayload, ack: Ack<{ results: LiveFileResult[] }>) => void;
  /** Stops one service of the run, or restarts it; the others go on running. */
  "run:service": (payload: ServiceActionPayload, ack: Ack<{ ok: true }>) => void;
  /** The run's fault links and the faults in force on each ([] for a lesson without). */
  "run:faults": (payload: FaultsPayload, ack: Ack<{ links: LinkState[] }>) => void;
  /** Adds or removes a fault on one link; every tab of the run also gets the new state as a "faults" event. */
  "run:fault": (payload: FaultActionPayload, ack: Ack<{ links: LinkState[] }>) => void;
  /** Flow control: log text written by the tab's terminals (no answer). */
  "run:ack": (payload: AckPayload) => void;
  /** Lists a running gRPC service's services and methods through its server reflection. */
  "grpc:describe": (payload: GrpcDescribePayload, ack: Ack<{ description: GrpcDescription }>) => void;
  /** Calls a unary gRPC method with a JSON request; a non-OK gRPC status is an answer, not an error. */
  "grpc:call": (payload: GrpcCallPayload, ack: Ack<{ result: GrpcCallResult }>) => void;
  /** Opens the run's shell in this tab (a terminal in a toolbox container on the run's network). */
  "shell:open": (payload: ShellOpenPayload, ack: Ack<{ ok: true }>) => void;
  /** Keystrokes into the shell (no answer). */
  "shell:input": (payload: ShellInputPayload) => void;
  /** The tab's terminal changed size (no answer). */
  "shell:resize": (payload: ShellOpenPayload) => void;
  /** Flow control: shell output written by the tab's terminal (no answer). */
  "shell:ack": (payload: ShellAckPayload) => void;
  /** Opens the lesson's Go files in this learner's gopls (started if it is not running). */
  "gopls:open": (payload: GoplsOpenPayload, ack: Ack<{ ok: true }>) => void;
  /** An edit of one open file (no answer; an edit out of step is ignored). */
  "gopls:change": (payload: GoplsChangePayload) => void;
  /** A question to gopls; the answer's shape depends on the method (sandbox/gopls-results.ts). */
  "gopls:request": (payload: GoplsRequestPayload, ack: Ack<{ result: unknown }>) => void;
  /** A read-only Go source of a module or the standard library. */
  "gopls:source": (payload: GoplsSourcePayload, ack: Ack<{ text: string; truncated: boolean }>) => void;
}

/** Events sent without an ack: flow control and a shell's keystrokes. */
export type NoAnswerEvent = "run:ack" | "shell:input" | "shell:resize" | "shell:ack" | "gopls:change";
/** Events that answer through an ack. */
export type CallEvent = Exclude<keyof ClientToServerEvents, NoAnswerEvent>;

export interface SocketAuth {
  clientId: string;
}

export function isProtocolError(answer: unknown): answer is { error: ProtocolError } {
  return (
    typeof answer === "object" &&
    answer !== null &&
    "error" in answer &&
    typeof (answer as { error: unknown }).error === "object" &&
    (answer as { error: unknown }).error !== null
  );
}

/** Words a zod failure the way the UI shows it: one line naming the field. */
export function describeInvalid(error: z.ZodError): ProtocolError {
  const first = error.issues[0];
  const where = first && first.path.length > 0 ? `${first.path.join(".")}: ` : "";
  return {
    code: "BAD_REQUEST",
    message: `The request was not understood (${where}${first?.message ?? "invalid"}).`,
    hint: "Reload the page; if it keeps happening, the page and the server are out of step.",
  };
}

/** Splits "Key: value" lines into headers; blank lines are skipped, a line without a colon is an error. */
export function parseHeaderLines(text: string): { headers: Record<string, string> } | { error: string } {
  const headers: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) return { error: `line ${i + 1}: expected "Name: value"` };
    const name = line.slice(0, colon).trim();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) return { error: `line ${i + 1}: "${name}" is not a header name` };
    headers[name] = line.slice(colon + 1).trim();
  }
  return { headers };
}
