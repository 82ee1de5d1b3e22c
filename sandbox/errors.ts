// Errors a learner may see, typed and worded once.
export type SandboxErrorCode =
  | "UNKNOWN_LESSON"
  | "BAD_PATH"
  | "FILE_TOO_LARGE"
  | "TOO_MANY_FILES"
  | "INVALID_UTF8"
  | "ENGINE_UNREACHABLE"
  | "IMAGE_MISSING"
  | "TOO_MANY_RUNS"
  /** Every run slot is taken and the waiting line is full too. */
  | "QUEUE_FULL"
  | "SERVICE_NOT_RUNNING"
  /** A gRPC service without server reflection: the request panel cannot learn its methods. */
  | "GRPC_REFLECTION_OFF"
  /** A service's reflection sent more than the panel reads (files, bytes, import depth, services, fields). */
  | "GRPC_REFLECTION_LIMIT"
  /** The host firewall rules that isolate a run's network could not be installed or verified. */
  | "ISOLATION_FAILED"
  /** The run's fault proxy (Toxiproxy) did not start or answer, or the run has none. */
  | "FAULTS_FAILED"
  /** The editor's gopls could not start, or did not answer in time. */
  | "GOPLS_UNAVAILABLE"
  | "BAD_REQUEST";

export class SandboxError extends Error {
  constructor(
    readonly code: SandboxErrorCode,
    message: string,
    /** What the learner or the operator can do about it. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = "SandboxError";
  }

  toJSON(): { code: SandboxErrorCode; message: string; hint?: string } {
    return { code: this.code, message: this.message, hint: this.hint };
  }
}

export function queueFullError(running: number, waiting: number): SandboxError {
  return new SandboxError(
    "QUEUE_FULL",
    `The playground is full: ${running} runs are running and ${waiting} are waiting, as many as it takes.`,
    "Press Run again in a few minutes, when some learners have finished; your edits are kept.",
  );
}

/** `what` the service sent, past `limit`, the most the panel reads from one service. */
export function grpcReflectionLimitError(service: string, what: string, limit: string): SandboxError {
  return new SandboxError(
    "GRPC_REFLECTION_LIMIT",
    `${service}'s reflection sent ${what}; the request panel reads at most ${limit} from one service.`,
    "Register fewer services or smaller .proto files in this server, or call it with a client of your own.",
  );
}

export const ENGINE_FIX_HINT =
  "Start the Docker Engine: on Debian `apt-get install -y docker.io` then `dockerd &` (as root), " +
  "or point DOCKER_HOST at a running engine; then run `npm run setup`.";
