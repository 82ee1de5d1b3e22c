// The one routine that builds a learner's image from their Dockerfile, for a service (16.8.1) and for a Kubernetes
// lesson's images alike: within the run's start deadline, its output shown and kept (capped) for the editor's
// markers, a failure turned into diagnostics on the right lines (the compiler's, the Dockerfile checker's).
import type { Backend } from "./backend";
import { parseGoDiagnostics } from "./diagnostics";
import { dockerfileDiagnostics } from "./dockerfile";
import { ImageBuildError, type BuiltImage } from "./dockerfile-build";
import type { Limits } from "./limits";
import { BUILD_OUTPUT_KEPT } from "./service-life";
import type { Diagnostic, LessonFiles } from "./types";

export interface LearnerImageRequest {
  backend: Backend;
  files: LessonFiles;
  /** The image's folder in the lesson: its build context. */
  dir: string;
  dockerfile: string;
  tag: string;
  labels: Record<string, string>;
  limits: Limits;
  /** When the run's start deadline passes (ms since the epoch): the build is stopped then. */
  deadline: number;
  /** Stops the build (the run is ending). */
  signal: AbortSignal;
  /** Whose terminal and editor markers the build's output and diagnostics belong to. */
  service: string;
  onOutput: (text: string) => void;
}

export type LearnerImage =
  { ok: true; built: BuiltImage; seconds: number } | { ok: false; message: string; diagnostics: Diagnostic[] };

export async function buildLearnerImage(req: LearnerImageRequest): Promise<LearnerImage> {
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  if (req.signal.aborted) stop();
  req.signal.addEventListener("abort", stop, { once: true });
  let pastDeadline = false;
  const timer = setTimeout(
    () => {
      pastDeadline = true;
      abort.abort();
    },
    Math.max(0, req.deadline - Date.now()),
  );
  let output = "";
  const started = Date.now();
  try {
    const built = await req.backend.buildImage({
      files: req.files,
      dir: req.dir,
      dockerfile: req.dockerfile,
      tag: req.tag,
      labels: req.labels,
      limits: req.limits,
      baseImages: await req.backend.baseImages(),
      signal: abort.signal,
      onOutput: (text) => {
        if (output.length < BUILD_OUTPUT_KEPT) output += text;
        req.onOutput(text);
      },
    });
    return { ok: true, built, seconds: (Date.now() - started) / 1000 };
  } catch (err) {
    const message =
      pastDeadline && err instanceof ImageBuildError
        ? `the image build did not finish within ${req.limits.startTimeoutMs / 1000} s`
        : (err as Error).message;
    return {
      ok: false,
      message,
      diagnostics: [
        ...parseGoDiagnostics(output, req.service, req.dir),
        ...dockerfileDiagnostics(message, req.service, `${req.dir}/${req.dockerfile}`),
      ],
    };
  } finally {
    clearTimeout(timer);
    req.signal.removeEventListener("abort", stop);
  }
}
