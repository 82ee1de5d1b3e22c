// The runs of this server process: start (with a per-client limit and a global queue), look up, list.
import { randomBytes } from "node:crypto";
import { docker } from "./docker";
import { SandboxError } from "./errors";
import { validateFiles } from "./files";
import { ensureImage } from "./image";
import { DEFAULT_LIMITS, type Limits } from "./limits";
import { Run } from "./run";
import type { RunHandle } from "./types";
import { LessonError, loadLesson } from "../lib/lessons";

const runs = new Map<string, Run>();
const waiting: { run: Run; admit: () => void }[] = [];

function activeCount(): number {
  return [...runs.values()].filter((r) => !r.ended && !waiting.some((w) => w.run === r)).length;
}

function announceQueue(): void {
  waiting.forEach((w, i) => w.run.queued(i + 1));
}

function admitWaiting(): void {
  while (waiting.length > 0 && activeCount() < DEFAULT_LIMITS.runsTotal) waiting.shift()!.admit();
  announceQueue();
}

export interface StartOptions {
  /** Who asked (a browser's client id, "cli", a test): their previous run is replaced. */
  owner: string;
  limits?: Partial<Limits>;
  /** Another lessons folder (test fixtures); the image is still the one built from the real lessons. */
  lessonsRoot?: string;
}

/**
 * Validates the request and returns the run at once (stage "queued"); building and starting happen in the
 * background and are reported as events. The owner's older runs past their limit are stopped first.
 */
export async function startRun(lessonSlug: string, files: unknown, opts: StartOptions): Promise<RunHandle> {
  let lesson;
  try {
    lesson = await loadLesson(lessonSlug, opts.lessonsRoot);
  } catch (err) {
    if (err instanceof LessonError) throw new SandboxError("UNKNOWN_LESSON", err.message);
    throw err;
  }
  const checked = files == null ? lesson.files : validateFiles(files);
  if (lesson.manifest.services.length === 0) {
    throw new SandboxError("BAD_REQUEST", `The lesson "${lessonSlug}" has no services to run.`);
  }
  await docker(); // throws ENGINE_UNREACHABLE with the fix
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };

  // The owner's older runs are stopped but not waited for: their graceful shutdown and removal overlap the
  // new run's start, which is most of the edit → answer time otherwise.
  const mine = [...runs.values()].filter((r) => r.owner === opts.owner && !r.ended);
  const excess = mine.slice(0, Math.max(0, mine.length - limits.runsPerClient + 1));
  for (const r of excess) void r.stop("stopped");

  const run = new Run(randomBytes(5).toString("hex"), lesson, checked, opts.owner, limits);
  runs.set(run.id, run);
  void (async () => {
    if (activeCount() > limits.runsTotal) {
      await new Promise<void>((admit) => {
        waiting.push({ run, admit });
        announceQueue();
      });
    }
    if (run.ended) return;
    run.system(`run ${run.id}: ${lesson.manifest.services.map((s) => s.name).join(", ")}`);
    const tag = await ensureImage((line) => run.system(line));
    await run.start(tag);
  })().catch((err: unknown) => {
    run.system(`the run could not start: ${(err as Error).message}`);
    void run.stop("engine-error");
  });
  // Ended runs are forgotten a minute later (a reloaded page can still read how they ended); the queue moves on.
  run.subscribe((event) => {
    if (event.type !== "ended") return;
    setTimeout(() => runs.delete(run.id), 60_000).unref();
    queueMicrotask(admitWaiting);
  });
  return run;
}

export function getRun(runId: string): RunHandle | undefined {
  return runs.get(runId);
}

export function liveRunIds(): Set<string> {
  return new Set([...runs.values()].filter((r) => !r.ended).map((r) => r.id));
}

export function listRuns(): RunHandle[] {
  return [...runs.values()];
}

/** Stops every run of this process (server shutdown). */
export async function stopAllRuns(): Promise<void> {
  await Promise.all([...runs.values()].map((r) => r.stop("stopped")));
}

/** For tests that simulate a crash: forget runs without stopping them, as a dead process would. */
export function forgetRunsForCrashTest(): void {
  runs.clear();
}
