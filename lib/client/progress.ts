// What the learner did in each lesson (runs, requests, edits), kept in localStorage; pure, so tests need no browser.
import type { KeyValueStore } from "./storage";

const PROGRESS_VERSION = 1;
export const PROGRESS_KEY = `gmp:progress:v${PROGRESS_VERSION}`;
/** Enough for every lesson's suggested requests many times over; bounds what a looping tab could store. */
const MAX_SENT_KEYS = 64;

export interface LessonProgress {
  /** When all the lesson's services first, and last, reached "running" together (ms since the epoch). */
  firstRunAt?: number;
  lastRunAt?: number;
  /** Runs whose services all reached "running". */
  runs: number;
  /** The run last counted: re-attaching to it after a reload must not count it again. */
  lastRunId?: string;
  /** Requests sent from the panel. */
  requests: number;
  /** requestKey() of each suggested request sent at least once. */
  sent: string[];
  /** The learner changed one of the lesson's files. */
  edited: boolean;
}

export type Progress = Record<string, LessonProgress>;

interface StoredProgress {
  v: typeof PROGRESS_VERSION;
  lessons: Progress;
}

/** What identifies a request for "was this suggestion tried": where it went, not its headers or body. */
export function requestKey(r: { service: string; method: string; path: string }): string {
  return `${r.method.toUpperCase()} ${r.service}${r.path}`;
}

export const emptyLesson = (): LessonProgress => ({ runs: 0, requests: 0, sent: [], edited: false });

const count = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0);
const time = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : undefined);

/** One lesson's entry from untrusted JSON: each field checked on its own, so one bad field does not lose the rest. */
function cleanLesson(raw: unknown): LessonProgress | undefined {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  const out = emptyLesson();
  out.runs = count(r.runs);
  out.requests = count(r.requests);
  out.firstRunAt = time(r.firstRunAt);
  out.lastRunAt = time(r.lastRunAt);
  if (typeof r.lastRunId === "string") out.lastRunId = r.lastRunId;
  if (Array.isArray(r.sent))
    out.sent = r.sent.filter((k): k is string => typeof k === "string").slice(0, MAX_SENT_KEYS);
  out.edited = r.edited === true;
  return out;
}

/** The stored progress; anything missing, damaged or of another version reads as no progress. */
export function parseProgress(raw: string | null): Progress {
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return {};
  }
  if (typeof parsed !== "object" || parsed === null) return {};
  const stored = parsed as Partial<StoredProgress>;
  if (stored.v !== PROGRESS_VERSION || typeof stored.lessons !== "object" || stored.lessons === null) return {};
  const out: Progress = {};
  for (const [slug, entry] of Object.entries(stored.lessons)) {
    const clean = cleanLesson(entry);
    if (clean) out[slug] = clean;
  }
  return out;
}

export function serializeProgress(progress: Progress): string {
  const stored: StoredProgress = { v: PROGRESS_VERSION, lessons: progress };
  return JSON.stringify(stored);
}

const lessonOf = (p: Progress, slug: string) => p[slug] ?? emptyLesson();

/** All the services of run `runId` are running: counted once per run, however often the view repeats it. */
export function recordRun(p: Progress, slug: string, runId: string, now: number): Progress {
  const l = lessonOf(p, slug);
  if (l.lastRunId === runId) return p;
  return {
    ...p,
    [slug]: { ...l, runs: l.runs + 1, lastRunId: runId, firstRunAt: l.firstRunAt ?? now, lastRunAt: now },
  };
}

/** A request went out from the panel; `suggested` is its requestKey() when it matches one of the lesson's suggestions. */
export function recordRequest(p: Progress, slug: string, suggested?: string): Progress {
  const l = lessonOf(p, slug);
  const sent =
    suggested && !l.sent.includes(suggested) && l.sent.length < MAX_SENT_KEYS ? [...l.sent, suggested] : l.sent;
  return { ...p, [slug]: { ...l, requests: l.requests + 1, sent } };
}

/** The learner edited a file; unchanged (same object) when already noted, so callers can skip the write. */
export function recordEdit(p: Progress, slug: string): Progress {
  const l = lessonOf(p, slug);
  return l.edited ? p : { ...p, [slug]: { ...l, edited: true } };
}

/** How many of the lesson's suggested requests (by requestKey) were sent at least once. */
export function suggestionsTried(l: LessonProgress | undefined, suggested: readonly string[]): number {
  if (!l) return 0;
  return new Set(suggested.filter((k) => l.sent.includes(k))).size;
}

export function loadProgress(store: KeyValueStore): Progress {
  try {
    return parseProgress(store.getItem(PROGRESS_KEY));
  } catch {
    return {};
  }
}

/**
 * Applies one change to what is stored now (not to a copy read earlier), so another tab's records survive.
 * Returns false when nothing changed or the browser refused the write.
 */
export function updateProgress(
  store: KeyValueStore,
  change: (p: Progress) => Progress,
  saved: (before: Progress, after: Progress) => void = () => {},
): boolean {
  const before = loadProgress(store);
  const after = change(before);
  if (after === before) return false;
  try {
    store.setItem(PROGRESS_KEY, serializeProgress(after));
    saved(before, after);
    return true;
  } catch {
    // Progress is a convenience: a full or disabled storage must not break the workspace.
    return false;
  }
}
