// The runs of this server process: start (with a per-client limit and a global queue), look up, list.
import { randomBytes } from "node:crypto";
import type { Backend } from "./backend";
import { docker } from "./docker";
import { DockerBackend } from "./docker-backend";
import { SandboxError, queueFullError } from "./errors";
import { validateFiles } from "./files";
import { ensureImage } from "./image";
import { goplsPool } from "./gopls-pool";
import { DEFAULT_LIMITS, type Limits } from "./limits";
import { Run } from "./run";
import type { RunHandle } from "./types";
import { LessonError, loadLesson } from "../lib/server/lessons";
import { runnableServices } from "../lib/shared/lesson-schema";

const runs = new Map<string, Run>();
/** Per owner, one prepared run of the lesson they last ran, waiting for their next Run. */
const standbys = new Map<string, Run>();
/** A standby nobody used for this long is removed. */
const STANDBY_IDLE_MS = 10 * 60 * 1000;
const waiting: { run: Run; admit: () => void }[] = [];

function activeCount(): number {
  return [...runs.values()].filter((r) => !r.ended && !waiting.some((w) => w.run === r)).length;
}

function announceQueue(): void {
  waiting.forEach((w, i) => w.run.queued(i + 1));
}

function admitWaiting(): void {
  // Each run carries the limits it was started with (a test may lower them), the first in line decides.
  while (waiting.length > 0 && activeCount() < waiting[0].run.limits.runsTotal) waiting.shift()!.admit();
  announceQueue();
}

/**
 * Whether a new run may join: it runs at once below runsTotal, waits below runsQueued more, and is refused past that.
 * Counts leave out the owner's own runs that this start replaces (they are on their way out).
 */
export function queueRefusal(running: number, waiting: number, limits: Limits): SandboxError | undefined {
  return running >= limits.runsTotal && waiting >= limits.runsQueued ? queueFullError(running, waiting) : undefined;
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
  if (runnableServices(lesson.manifest).length === 0) {
    throw new SandboxError("BAD_REQUEST", `The lesson "${lessonSlug}" has no services to run.`);
  }
  const backend = await defaultBackend(); // throws ENGINE_UNREACHABLE with the fix
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };

  // The owner's older runs are stopped but not waited for: their graceful shutdown and removal overlap the
  // new run's start, which is most of the edit → answer time otherwise.
  const mine = [...runs.values()].filter((r) => r.owner === opts.owner && !r.ended);
  const excess = mine.slice(0, Math.max(0, mine.length - limits.runsPerClient + 1));
  const othersWaiting = waiting.filter((w) => !excess.includes(w.run)).length;
  const othersRunning = activeCount() - excess.filter((r) => !waiting.some((w) => w.run === r)).length;
  const refusal = queueRefusal(othersRunning, othersWaiting, limits);
  if (refusal) throw refusal;
  for (const r of excess) {
    r.replaced = true;
    r.successorLesson = lesson.slug;
    void r.stop("stopped");
  }

  const run = takeStandby(opts.owner, lesson.slug, limits) ?? new Run(newRunId(), lesson, opts.owner, limits, backend);
  runs.set(run.id, run);
  void (async () => {
    if (activeCount() > limits.runsTotal) {
      await new Promise<void>((admit) => {
        waiting.push({ run, admit });
        announceQueue();
      });
    }
    if (run.ended) return;
    const names = runnableServices(lesson.manifest).map((s) => s.name);
    run.system(`run ${run.id}: ${names.join(", ")}`);
    const tag = await ensureImage((line) => run.system(line));
    await run.start(tag, checked);
  })().catch((err: unknown) => {
    run.system(`the run could not start: ${(err as Error).message}`);
    void run.stop("engine-error");
  });
  // Once this run has built (or failed to), prepare the owner's next one in the background.
  void run
    .whenAllRunning()
    .catch(() => {})
    .then(() => {
      if (!run.stopRequested) prepareStandby(run);
    });
  // Ended runs are forgotten a minute later (a reloaded page can still read how they ended); the queue moves on.
  // A run that ended without a successor (Stop, tab closed) takes its owner's standby with it.
  run.subscribe((event) => {
    if (event.type !== "ended") return;
    setTimeout(() => runs.delete(run.id), 60_000).unref();
    if (!run.replaced) discardStandby(run.owner);
    // A run that left while waiting gives up its place: the ones behind it move up.
    const place = waiting.findIndex((w) => w.run === run);
    if (place >= 0) waiting.splice(place, 1)[0].admit();
    queueMicrotask(admitWaiting);
  });
  return run;
}

/** Where runs go: the local Docker Engine (a cluster backend takes its place for a class that outgrows one machine). */
async function defaultBackend(): Promise<Backend> {
  return new DockerBackend(await docker());
}

/** Removes what a previous (or crashed) server process left behind; what this process's live runs own stays. */
export async function reapOrphans(): Promise<{ containers: number; networks: number; images: number }> {
  return (await defaultBackend()).reapOrphans(liveRunIds());
}

function newRunId(): string {
  return randomBytes(5).toString("hex");
}

function sameLimits(a: Limits, b: Limits): boolean {
  return (Object.keys(a) as (keyof Limits)[]).every((k) => a[k] === b[k]);
}

function takeStandby(owner: string, slug: string, limits: Limits): Run | undefined {
  const standby = standbys.get(owner);
  if (!standby) return undefined;
  standbys.delete(owner);
  if (standby.ended || standby.lessonSlug !== slug || !sameLimits(standby.limits, limits)) {
    standbys.set(owner, standby);
    discardStandby(owner);
    return undefined;
  }
  return standby;
}

/** Removals of standbys under way, so a shutdown can wait for them. */
const discarding = new Set<Promise<void>>();

function discardStandby(owner: string): void {
  const standby = standbys.get(owner);
  if (!standby) return;
  standbys.delete(owner);
  const removal = standby.stop("stopped");
  discarding.add(removal);
  void removal.finally(() => discarding.delete(removal));
}

function prepareStandby(after: Run): void {
  const tag = after.preparedImage;
  if (!tag || standbys.get(after.owner)?.lessonSlug === after.lessonSlug) return;
  discardStandby(after.owner);
  const standby = new Run(newRunId(), after.lesson, after.owner, after.limits, after.backend);
  standbys.set(after.owner, standby);
  standby.prepare(tag).catch(() => discardStandby(after.owner));
  setTimeout(() => {
    if (standbys.get(after.owner) === standby) discardStandby(after.owner);
  }, STANDBY_IDLE_MS).unref();
}

export function getRun(runId: string): RunHandle | undefined {
  return runs.get(runId);
}

export function liveRunIds(): Set<string> {
  const live = [...runs.values(), ...standbys.values()].filter((r) => !r.ended).map((r) => r.id);
  // A learner's gopls is labelled like a run: it is not an orphan while its session lives.
  return new Set([...live, ...goplsPool.liveIds()]);
}

export function listRuns(): RunHandle[] {
  return [...runs.values()];
}

/** Stops every run of this process (server shutdown). */
export async function stopAllRuns(): Promise<void> {
  for (const owner of [...standbys.keys()]) discardStandby(owner);
  await Promise.all([...runs.values()].map((r) => r.stop("stopped")));
  await Promise.all([...discarding]);
}

/** For tests that simulate a crash: forget runs without stopping them, as a dead process would. */
export function forgetRunsForCrashTest(): void {
  runs.clear();
  standbys.clear();
}
