// The learner's progress in localStorage: runs counted once per run, requests and edits recorded, bad data ignored.
import { describe, expect, it } from "vitest";
import {
  PROGRESS_KEY,
  loadProgress,
  parseProgress,
  recordEdit,
  recordRequest,
  recordRun,
  requestKey,
  serializeProgress,
  suggestionsTried,
  updateProgress,
  type Progress,
} from "@/lib/client/progress";
import type { KeyValueStore } from "@/lib/client/storage";
import { nextStep } from "@/components/lesson/ProgressMarks";
import type { LessonSummary } from "@/lib/server/lessons";

class MemoryStore implements KeyValueStore {
  data = new Map<string, string>();
  failWrites = false;
  failReads = false;
  getItem(key: string) {
    if (this.failReads) throw new DOMException("denied", "SecurityError");
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

const users = requestKey({ service: "user-service", method: "get", path: "/users" });

describe("recording", () => {
  it("counts a run once however often its running state is seen, with first and last times", () => {
    let p: Progress = {};
    p = recordRun(p, "grpc", "run-1", 1000);
    const same = recordRun(p, "grpc", "run-1", 2000);
    expect(same).toBe(p);
    p = recordRun(p, "grpc", "run-2", 3000);
    expect(p.grpc).toMatchObject({ runs: 2, firstRunAt: 1000, lastRunAt: 3000, lastRunId: "run-2" });
  });

  it("counts every request and remembers each suggested one once", () => {
    let p: Progress = {};
    p = recordRequest(p, "tracing", users);
    p = recordRequest(p, "tracing", users);
    p = recordRequest(p, "tracing");
    expect(p.tracing).toMatchObject({ requests: 3, sent: ["GET user-service/users"], runs: 0 });
    expect(suggestionsTried(p.tracing, [users, "POST user-service/users"])).toBe(1);
    expect(suggestionsTried(undefined, [users])).toBe(0);
  });

  it("notes an edit once and leaves the other lessons alone", () => {
    let p: Progress = recordRun({}, "a", "r", 5);
    p = recordEdit(p, "b");
    expect(recordEdit(p, "b")).toBe(p);
    expect(p.a).toMatchObject({ runs: 1, edited: false });
    expect(p.b).toMatchObject({ runs: 0, edited: true });
  });
});

describe("storage", () => {
  it("round-trips through serialize and parse", () => {
    const p = recordEdit(recordRequest(recordRun({}, "jwt-auth", "r1", 7), "jwt-auth", users), "jwt-auth");
    expect(parseProgress(serializeProgress(p))).toEqual(p);
  });

  it("merges each change into what is stored now, so another tab's records survive", () => {
    const store = new MemoryStore();
    expect(updateProgress(store, (p) => recordRun(p, "grpc", "r1", 10))).toBe(true);
    // Another tab writes its own record in between.
    store.setItem(PROGRESS_KEY, serializeProgress(recordRequest(loadProgress(store), "tracing", users)));
    expect(updateProgress(store, (p) => recordRequest(p, "grpc"))).toBe(true);
    const p = loadProgress(store);
    expect(p.grpc).toMatchObject({ runs: 1, requests: 1 });
    expect(p.tracing).toMatchObject({ requests: 1, sent: [users] });
  });

  it("skips the write when nothing changed, and survives a refused write", () => {
    const store = new MemoryStore();
    updateProgress(store, (p) => recordEdit(p, "a"));
    expect(updateProgress(store, (p) => recordEdit(p, "a"))).toBe(false);
    store.failWrites = true;
    expect(updateProgress(store, (p) => recordEdit(p, "b"))).toBe(false);
    store.failReads = true;
    expect(loadProgress(store)).toEqual({});
  });

  it("ignores damaged, foreign or old-version values without throwing", () => {
    for (const raw of [
      null,
      "",
      "{not json",
      "42",
      "null",
      "[]",
      '"text"',
      JSON.stringify({ v: 0, lessons: { a: { runs: 3 } } }),
      JSON.stringify({ v: 1, lessons: null }),
      JSON.stringify({ v: 1, lessons: "a" }),
    ]) {
      expect(parseProgress(raw)).toEqual({});
    }
    const store = new MemoryStore();
    store.setItem(PROGRESS_KEY, "{broken");
    expect(updateProgress(store, (p) => recordRun(p, "a", "r", 1))).toBe(true);
    expect(loadProgress(store).a?.runs).toBe(1);
  });

  it("keeps the good fields of a partly damaged entry and drops entries that are not objects", () => {
    const raw = JSON.stringify({
      v: 1,
      lessons: {
        a: { runs: -2, requests: "9", firstRunAt: 100, lastRunAt: "x", sent: ["GET s/x", 5, null], edited: "yes" },
        b: 7,
        c: [1],
      },
    });
    expect(parseProgress(raw)).toEqual({
      a: { runs: 0, requests: 0, firstRunAt: 100, lastRunAt: undefined, sent: ["GET s/x"], edited: false },
    });
  });
});

describe("next step", () => {
  const lesson: LessonSummary = {
    slug: "grpc",
    order: 5,
    section: "16.4.2",
    title: { zh: "gRPC", en: "gRPC" },
    summary: { zh: "", en: "" },
    serviceCount: 2,
    suggested: [users, "GET user-service/health"],
  };

  it("walks from Run to a request to an edit to the remaining requests", () => {
    let p: Progress = {};
    expect(nextStep(lesson, p.grpc)).toBe("nextRun");
    p = recordRun(p, "grpc", "r", 1);
    expect(nextStep(lesson, p.grpc)).toBe("nextRequest");
    p = recordRequest(p, "grpc", users);
    expect(nextStep(lesson, p.grpc)).toBe("nextEdit");
    p = recordEdit(p, "grpc");
    expect(nextStep(lesson, p.grpc)).toBe("nextMoreRequests");
    p = recordRequest(p, "grpc", "GET user-service/health");
    expect(nextStep(lesson, p.grpc)).toBeNull();
    expect(nextStep({ ...lesson, serviceCount: 0 }, undefined)).toBeNull();
  });
});
