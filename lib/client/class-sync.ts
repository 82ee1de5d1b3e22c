// Class mode in the browser: the learner's edits and progress live on the server, so another computer finds them.
// The page keeps using localStorage as before; this module fills it from the server once per page load and sends
// each change back. In solo mode (no `data-class-mode` on <html>) it does nothing at all.
import type { LessonFiles } from "../../sandbox/types";
import type { ClassMe } from "../shared/class-protocol";
import { loadProgress, PROGRESS_KEY, serializeProgress, type LessonProgress, type Progress } from "./progress";
import { changedFiles, editsKey, type KeyValueStore } from "./storage";

/** Typing pauses this long before the edits go to the server (the browser's copy is written at once). */
const SAVE_EDITS_AFTER_MS = 800;

export function isClassMode(): boolean {
  return typeof document !== "undefined" && document.documentElement.dataset.classMode === "1";
}

let me: Promise<ClassMe | null> | undefined;

/** Who is signed in and their saved work; fetched once per page load, laid into this browser's storage. */
export function classWork(store: KeyValueStore = localStorage): Promise<ClassMe | null> {
  if (!isClassMode()) return Promise.resolve(null);
  me ??= fetch("/class/api/me", { credentials: "same-origin", cache: "no-store" })
    .then(async (res) => (res.ok ? ((await res.json()) as ClassMe) : null))
    .then((answer) => {
      if (answer) hydrate(store, answer);
      return answer;
    })
    .catch(() => null);
  return me;
}

/** The server's copy wins: it is what this learner last saved, on whichever computer. */
function hydrate(store: KeyValueStore, answer: ClassMe): void {
  try {
    for (const [slug, files] of Object.entries(answer.edits))
      store.setItem(editsKey(slug), JSON.stringify({ v: 1, savedAt: Date.now(), files }));
    if (Object.keys(answer.progress).length > 0) {
      const merged: Progress = { ...loadProgress(store) };
      for (const [slug, entry] of Object.entries(answer.progress)) merged[slug] = entry as LessonProgress;
      store.setItem(PROGRESS_KEY, serializeProgress(merged));
    }
  } catch {
    // Storage refused: the page still works with the lesson's originals.
  }
}

function post(body: unknown): void {
  void fetch("/class/api/work", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    keepalive: true,
  }).catch(() => {});
}

const pendingEdits = new Map<string, ReturnType<typeof setTimeout>>();

/** Sends a lesson's changed files to the server after a pause in typing. */
export function saveEditsToClass(slug: string, files: LessonFiles, originals: LessonFiles): void {
  if (!isClassMode()) return;
  const timer = pendingEdits.get(slug);
  if (timer) clearTimeout(timer);
  const edits = changedFiles(files, originals);
  pendingEdits.set(
    slug,
    setTimeout(() => {
      pendingEdits.delete(slug);
      post({ lessonSlug: slug, edits });
    }, SAVE_EDITS_AFTER_MS),
  );
}

/** Sends the lessons whose progress entry changed. */
export function saveProgressToClass(before: Progress, after: Progress): void {
  if (!isClassMode()) return;
  for (const [slug, entry] of Object.entries(after))
    if (before[slug] !== entry) post({ lessonSlug: slug, progress: entry });
}
