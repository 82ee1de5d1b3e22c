// Class mode's pure parts and its store on a real SQLite file: migrations, secrets, sessions, revoke and close,
// the join limiter, the CSRF check, display names and return links.
import { mkdtempSync, rmSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isClassMode } from "../../lib/server/class/config";
import { sameOrigin, sameOriginJson } from "../../lib/server/class/csrf";
import { migrations, openClassDb, type ClassDb } from "../../lib/server/class/db";
import { JoinLimiter } from "../../lib/server/class/join-limiter";
import { FAILED_CODES_PER_MINUTE, JOINS_PER_ADDRESS_PER_MINUTE } from "../../lib/server/class/limits";
import { ReturnLinks } from "../../lib/server/class/return-link";
import { cleanDisplayName } from "../../lib/server/class/routes";
import { ClassStore } from "../../lib/server/class/store";
import { newShortCode, normalizeShortCode } from "../../lib/server/class/tokens";

const dirs: string[] = [];
const dbs: ClassDb[] = [];
function freshStore(now = () => 1_000_000): { store: ClassStore; dir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "gmp-class-unit-"));
  dirs.push(dir);
  const db = openClassDb(dir);
  dbs.push(db);
  return { store: new ClassStore(db, now), dir };
}
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("modes", () => {
  it("is solo unless asked for class mode", () => {
    expect(isClassMode(["node", "server.mts"], {})).toBe(false);
    expect(isClassMode(["node", "server.mts"], { PLAYGROUND_MODE: "solo" })).toBe(false);
    expect(isClassMode(["node", "server.mts", "--class"], {})).toBe(true);
    expect(isClassMode(["node", "server.mts"], { PLAYGROUND_MODE: "Class" })).toBe(true);
    expect(() => isClassMode([], { PLAYGROUND_MODE: "classroom" })).toThrow(/neither/);
  });
});

describe("database", () => {
  it("numbers its migrations without gaps and records the version it reached", () => {
    const versions = migrations().map((m) => m.version);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
    const { dir } = freshStore();
    const again = openClassDb(dir); // opening twice migrates nothing the second time
    dbs.push(again);
    expect(again.pragma("user_version", { simple: true })).toBe(versions.length);
  });

  it("keeps only hashes of links, codes and session ids", () => {
    const { store } = freshStore();
    const c = store.createClass("Go");
    const learner = store.addLearner(c.classId, "Ann");
    if (learner === "full") throw new Error("full");
    const sid = store.createSession(c.classId, learner.id);
    const db = dbs[0];
    const dump = JSON.stringify([
      db.prepare("SELECT * FROM classes").all(),
      db.prepare("SELECT * FROM sessions").all(),
    ]);
    for (const secret of [c.teacherToken, c.inviteToken, c.shortCode, sid]) expect(dump).not.toContain(secret);
  });
});

describe("store", () => {
  it("finds a class by invite, typed code or teacher link, never by the wrong kind", () => {
    const { store } = freshStore();
    const c = store.createClass("Go");
    expect(store.classByInvite(c.inviteToken)?.id).toBe(c.classId);
    expect(store.classByInvite(c.shortCode.toLowerCase().replace("-", " "))?.id).toBe(c.classId);
    expect(store.classByTeacherToken(c.teacherToken)?.id).toBe(c.classId);
    expect(store.classByInvite(c.teacherToken)).toBeUndefined();
    expect(store.classByTeacherToken(c.inviteToken)).toBeUndefined();
  });

  it("ends sessions on revoke, on close and at expiry; a revoke from another class does nothing", () => {
    let now = 1_000_000;
    const { store } = freshStore(() => now);
    const a = store.createClass("A");
    const b = store.createClass("B");
    const ann = store.addLearner(a.classId, "Ann");
    if (ann === "full") throw new Error("full");
    const sid = store.createSession(a.classId, ann.id);
    const teacherSid = store.createSession(a.classId, null);
    expect(store.identify(sid)).toMatchObject({ role: "learner", learnerId: ann.id, displayName: "Ann" });
    expect(store.identify(teacherSid)).toMatchObject({ role: "teacher", classId: a.classId });
    expect(store.revokeLearner(b.classId, ann.id)).toBe(false);
    expect(store.identify(sid)).toBeDefined();
    expect(store.revokeLearner(a.classId, ann.id)).toBe(true);
    expect(store.identify(sid)).toBeUndefined();
    // A new session for a revoked learner is worthless too.
    expect(store.identify(store.createSession(a.classId, ann.id))).toBeUndefined();
    store.closeClass(a.classId);
    expect(store.identify(teacherSid)).toBeUndefined();
    expect(store.classByInvite(a.inviteToken)).toBeUndefined();
    const bob = store.addLearner(b.classId, "Bob");
    if (bob === "full") throw new Error("full");
    const bobSid = store.createSession(b.classId, bob.id);
    now += 365 * 24 * 3600 * 1000;
    expect(store.identify(bobSid)).toBeUndefined();
    expect(store.pruneSessions()).toBe(1);
  });

  it("keeps edits and progress per learner and lesson, and run history", () => {
    const { store } = freshStore();
    const c = store.createClass("Go");
    const ann = store.addLearner(c.classId, "Ann");
    const bob = store.addLearner(c.classId, "Bob");
    if (ann === "full" || bob === "full") throw new Error("full");
    store.saveEdits(ann.id, "grpc", '{"a.go":"x"}');
    store.saveEdits(ann.id, "grpc", '{"a.go":"y"}');
    store.saveProgress(ann.id, "grpc", '{"runs":1}');
    expect(store.work(ann.id)).toEqual({ edits: { grpc: '{"a.go":"y"}' }, progress: { grpc: '{"runs":1}' } });
    expect(store.work(bob.id)).toEqual({ edits: {}, progress: {} });
    store.saveEdits(ann.id, "grpc", "{}");
    expect(store.work(ann.id).edits).toEqual({});
    store.runStarted("r1", ann.id, "grpc");
    store.runStarted("r2", ann.id, "tracing");
    store.runAllRunning("r1");
    expect(store.lessonsRunning(ann.id)).toEqual(["grpc"]);
    expect(store.closeDanglingRuns()).toBe(2);
    expect(store.runs(ann.id).every((r) => r.endReason === "server-restart")).toBe(true);
  });
});

describe("short codes", () => {
  it("are 10 characters of Crockford base32 and forgive case, spaces and look-alikes", () => {
    const code = newShortCode();
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    expect(normalizeShortCode(code.toLowerCase().replace("-", " "))).toBe(code);
    expect(normalizeShortCode("o1lI2-34567")).toBe("01112-34567");
    expect(normalizeShortCode("12345-6789")).toBeUndefined();
    expect(normalizeShortCode("12345-6789U")).toBeUndefined();
  });
});

describe("join limiter", () => {
  it("limits attempts per address and failed codes for everyone, per minute", () => {
    let now = 0;
    const limiter = new JoinLimiter(() => now);
    for (let i = 0; i < JOINS_PER_ADDRESS_PER_MINUTE; i++) expect(limiter.attempt("10.0.0.1")).toBe(true);
    expect(limiter.attempt("10.0.0.1")).toBe(false);
    expect(limiter.attempt("10.0.0.2")).toBe(true);
    for (let i = 0; i < FAILED_CODES_PER_MINUTE; i++) limiter.codeFailed();
    expect(limiter.codesOpen()).toBe(false);
    now += 60_000;
    expect(limiter.codesOpen()).toBe(true);
    expect(limiter.attempt("10.0.0.1")).toBe(true);
  });
});

describe("CSRF", () => {
  const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
  it("accepts only this very origin", () => {
    expect(sameOrigin(req({ host: "play.example.org", origin: "https://play.example.org" }))).toBe(true);
    expect(sameOrigin(req({ host: "play.example.org", origin: "https://evil.test" }))).toBe(false);
    expect(sameOrigin(req({ host: "play.example.org", origin: "null" }))).toBe(false);
    expect(sameOrigin(req({ host: "play.example.org" }))).toBe(false);
    expect(sameOrigin(req({ host: "play.example.org", "sec-fetch-site": "same-origin" }))).toBe(true);
    expect(
      sameOrigin(req({ host: "play.example.org", origin: "https://play.example.org", "sec-fetch-site": "cross-site" })),
    ).toBe(false);
    const json = { host: "h", origin: "http://h" };
    expect(sameOriginJson(req({ ...json, "content-type": "application/json; charset=utf-8" }))).toBe(true);
    expect(sameOriginJson(req({ ...json, "content-type": "text/plain" }))).toBe(false);
  });
});

describe("display names", () => {
  it("are trimmed, single-spaced, free of control and bidi characters, and short", () => {
    expect(cleanDisplayName("  Ann   Lee ")).toBe("Ann Lee");
    expect(cleanDisplayName("A\u202Enn\u0000")).toBe("Ann");
    expect(cleanDisplayName("   ")).toBeUndefined();
    expect(cleanDisplayName("x".repeat(41))).toBeUndefined();
    expect(cleanDisplayName("小明")).toBe("小明");
    expect(cleanDisplayName(42)).toBeUndefined();
  });
});

describe("return links", () => {
  it("name their learner and refuse a changed MAC or another secret", () => {
    const links = new ReturnLinks("s".repeat(40));
    const token = links.token("abc123");
    expect(links.verify(token)).toBe("abc123");
    expect(links.verify(token.replace("abc123", "abc124"))).toBeUndefined();
    expect(links.verify(`${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`)).toBeUndefined();
    expect(new ReturnLinks("t".repeat(40)).verify(token)).toBeUndefined();
  });
});
