// The learner's edits in localStorage: only differences are kept, damaged or stale entries never break a lesson.
import { describe, expect, it } from "vitest";
import {
  changedFiles,
  clearEdits,
  editsKey,
  loadEdits,
  readPref,
  saveEdits,
  tabClientId,
  type KeyValueStore,
} from "@/lib/client/storage";

class MemoryStore implements KeyValueStore {
  data = new Map<string, string>();
  failWrites = false;
  getItem(key: string) {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    if (this.failWrites) throw new DOMException("quota", "QuotaExceededError");
    this.data.set(key, value);
  }
  removeItem(key: string) {
    this.data.delete(key);
  }
}

const originals = { "services/a/main.go": "package main\n", "services/a/go.mod": "module a\n" };

describe("lesson edits", () => {
  it("round-trips edits and stores only the changed files", () => {
    const store = new MemoryStore();
    const files = { ...originals, "services/a/main.go": "package main // edited\n" };
    expect(saveEdits(store, "lesson", files, originals, 42)).toBe(true);
    const stored = JSON.parse(store.getItem(editsKey("lesson"))!);
    expect(Object.keys(stored.files)).toEqual(["services/a/main.go"]);
    expect(stored.savedAt).toBe(42);
    expect(loadEdits(store, "lesson", originals)).toEqual(files);
  });

  it("removes the entry when the files match the originals again", () => {
    const store = new MemoryStore();
    saveEdits(store, "lesson", { ...originals, "services/a/go.mod": "x" }, originals);
    expect(store.data.size).toBe(1);
    saveEdits(store, "lesson", { ...originals }, originals);
    expect(store.data.size).toBe(0);
  });

  it("keeps lessons apart", () => {
    const store = new MemoryStore();
    saveEdits(store, "one", { ...originals, "services/a/go.mod": "one" }, originals);
    expect(loadEdits(store, "two", originals)).toEqual(originals);
  });

  it("ignores files the lesson no longer has, and non-text values", () => {
    const store = new MemoryStore();
    store.setItem(
      editsKey("lesson"),
      JSON.stringify({
        v: 1,
        savedAt: 1,
        files: { "gone.go": "x", "services/a/go.mod": 7, "services/a/main.go": "y" },
      }),
    );
    expect(loadEdits(store, "lesson", originals)).toEqual({ ...originals, "services/a/main.go": "y" });
  });

  it("falls back to the originals on damaged or foreign entries", () => {
    const store = new MemoryStore();
    store.setItem(editsKey("lesson"), "{not json");
    expect(loadEdits(store, "lesson", originals)).toEqual(originals);
    store.setItem(editsKey("lesson"), JSON.stringify({ v: 99, files: { "services/a/main.go": "x" } }));
    expect(loadEdits(store, "lesson", originals)).toEqual(originals);
    store.setItem(editsKey("lesson"), "null");
    expect(loadEdits(store, "lesson", originals)).toEqual(originals);
  });

  it("reports a refused write instead of throwing", () => {
    const store = new MemoryStore();
    store.failWrites = true;
    expect(saveEdits(store, "lesson", { ...originals, "services/a/go.mod": "x" }, originals)).toBe(false);
  });

  it("clears a lesson's edits", () => {
    const store = new MemoryStore();
    saveEdits(store, "lesson", { ...originals, "services/a/go.mod": "x" }, originals);
    clearEdits(store, "lesson");
    expect(loadEdits(store, "lesson", originals)).toEqual(originals);
  });

  it("lists changed files", () => {
    expect(changedFiles({ a: "1", b: "2" }, { a: "1", b: "3" })).toEqual({ b: "2" });
  });
});

describe("preferences and the tab's client id", () => {
  it("reads only allowed preference values", () => {
    const store = new MemoryStore();
    store.setItem("k", "en");
    expect(readPref(store, "k", ["zh", "en"] as const)).toBe("en");
    store.setItem("k", "fr");
    expect(readPref(store, "k", ["zh", "en"] as const)).toBeUndefined();
  });

  it("keeps one client id per tab and replaces a malformed one", () => {
    const store = new MemoryStore();
    let n = 0;
    const random = () => `id-${++n}-abcdefgh`;
    const first = tabClientId(store, random);
    expect(tabClientId(store, random)).toBe(first);
    store.setItem("gmp:client-id", "bad id!");
    expect(tabClientId(store, random)).toBe("id-2-abcdefgh");
  });
});
