// The browser side of lib/client-progress.ts: record what the workspace saw, and read it back in any component.
import { useEffect, useSyncExternalStore } from "react";
import {
  PROGRESS_KEY,
  loadProgress,
  parseProgress,
  recordEdit,
  recordRequest,
  recordRun,
  requestKey,
  updateProgress,
  type Progress,
} from "./progress";
import type { RunView } from "./run-state";
import { classWork, saveProgressToClass } from "./class-sync";

const listeners = new Set<() => void>();

function changed(): void {
  for (const l of listeners) l();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  // Another tab's records arrive through the storage event.
  const onStorage = (e: StorageEvent) => {
    if (e.key === PROGRESS_KEY || e.key === null) listener();
  };
  window.addEventListener("storage", onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", onStorage);
  };
}

// useSyncExternalStore wants the same object while nothing changed: parse once per stored string.
let cachedRaw: string | null | undefined;
let cachedProgress: Progress = {};

function snapshot(): Progress {
  let raw: string | null = null;
  try {
    raw = localStorage.getItem(PROGRESS_KEY);
  } catch {
    // Storage disabled: no progress to show.
  }
  if (raw !== cachedRaw) {
    cachedRaw = raw;
    cachedProgress = parseProgress(raw);
  }
  return cachedProgress;
}

/** The learner's progress; null while rendering on the server and hydrating, so the page renders the empty state. */
export function useProgress(): Progress | null {
  return useSyncExternalStore(subscribe, snapshot, () => null);
}

function update(change: (p: Progress) => Progress): void {
  if (updateProgress(localStorage, change, saveProgressToClass)) changed();
}

/** Class mode: the progress saved on the server shows once it is laid into this browser's storage. */
if (typeof window !== "undefined") void classWork().then((me) => me && changed());

type Target = { service: string; method: string; path: string };

/** A request from the panel answered; it counts as a tried suggestion when it goes where one of `suggested` goes. */
export function noteRequest(slug: string, request: Target, suggested: readonly Target[]): void {
  const key = requestKey(request);
  const isSuggested = suggested.some((s) => requestKey(s) === key);
  update((p) => recordRequest(p, slug, isSuggested ? key : undefined));
}

/** Counts a run once all its services are running together, and notes that the lesson's files were edited. */
export function useRecordProgress(slug: string, view: RunView, edited: boolean): void {
  const { runId, services } = view;
  const allRunning = runId !== null && services.length > 0 && services.every((s) => s.stage === "running");
  useEffect(() => {
    if (allRunning && runId) update((p) => recordRun(p, slug, runId, Date.now()));
  }, [allRunning, runId, slug]);
  // Runs when `edited` turns true, not on every keystroke; already noted is a no-op without a write.
  useEffect(() => {
    if (edited && !loadProgress(localStorage)[slug]?.edited) update((p) => recordEdit(p, slug));
  }, [edited, slug]);
}
