// The learner's edits and preferences in the browser's localStorage: per lesson, only what differs from the original.
import type { LessonFiles } from "../../sandbox/types";
import { PREF_KEYS, STORAGE_PREFIX, type Lang, type SidebarPref, type Theme } from "../shared/prefs";

/** The subset of the Web Storage API used here (tests pass a Map-backed fake). */
export type KeyValueStore = Pick<Storage, "getItem" | "setItem" | "removeItem">;

const EDITS_VERSION = 1;
const PREFIX = STORAGE_PREFIX;

export const editsKey = (slug: string) => `${PREFIX}edits:v${EDITS_VERSION}:${slug}`;

interface StoredEdits {
  v: typeof EDITS_VERSION;
  savedAt: number;
  /** Only files whose text differs from the lesson's original. */
  files: LessonFiles;
}

/** The learner's files for a lesson: originals, with the saved edits of files the lesson still has laid over them. */
export function loadEdits(store: KeyValueStore, slug: string, originals: LessonFiles): LessonFiles {
  const files = { ...originals };
  let raw: string | null;
  try {
    raw = store.getItem(editsKey(slug));
  } catch {
    return files;
  }
  if (!raw) return files;
  try {
    const parsed = JSON.parse(raw) as Partial<StoredEdits>;
    if (parsed.v !== EDITS_VERSION || typeof parsed.files !== "object" || parsed.files === null) return files;
    for (const [path, text] of Object.entries(parsed.files)) {
      if (typeof text === "string" && Object.hasOwn(originals, path)) files[path] = text;
    }
  } catch {
    // A damaged entry is as good as none; the next save replaces it.
  }
  return files;
}

/** The files that differ from the originals. */
export function changedFiles(files: LessonFiles, originals: LessonFiles): LessonFiles {
  const out: LessonFiles = {};
  for (const [path, text] of Object.entries(files)) if (originals[path] !== text) out[path] = text;
  return out;
}

/** Saves the edits (or removes the entry when nothing differs). Returns false when the browser refused (quota). */
export function saveEdits(
  store: KeyValueStore,
  slug: string,
  files: LessonFiles,
  originals: LessonFiles,
  now = Date.now(),
): boolean {
  const changed = changedFiles(files, originals);
  try {
    if (Object.keys(changed).length === 0) store.removeItem(editsKey(slug));
    else {
      const entry: StoredEdits = { v: EDITS_VERSION, savedAt: now, files: changed };
      store.setItem(editsKey(slug), JSON.stringify(entry));
    }
    return true;
  } catch {
    return false;
  }
}

export function clearEdits(store: KeyValueStore, slug: string): void {
  try {
    store.removeItem(editsKey(slug));
  } catch {
    // Nothing to do: storage is unavailable, so there is nothing stored either.
  }
}

// --- preferences (also read before the first paint by the inline script in app/layout.tsx) ---

export { PREF_KEYS, type Lang, type SidebarPref, type Theme };

export function readPref<T extends string>(store: KeyValueStore, key: string, allowed: readonly T[]): T | undefined {
  try {
    const v = store.getItem(key);
    return allowed.find((a) => a === v);
  } catch {
    return undefined;
  }
}

export function writePref(store: KeyValueStore, key: string, value: string): void {
  try {
    store.setItem(key, value);
  } catch {
    // Preferences are a convenience; the page still works without them.
  }
}

/** Random id of this tab, kept in sessionStorage so a reload re-attaches to the tab's run. */
export function tabClientId(store: KeyValueStore, random: () => string): string {
  const key = `${PREFIX}client-id`;
  try {
    const existing = store.getItem(key);
    if (existing && /^[A-Za-z0-9_-]{8,64}$/.test(existing)) return existing;
    const id = random();
    store.setItem(key, id);
    return id;
  } catch {
    return random();
  }
}
