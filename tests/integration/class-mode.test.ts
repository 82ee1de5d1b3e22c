// Class mode against the real server and Docker Engine: a class is created with the `class` command, two learners
// and the teacher join over real HTTP, connect real socket.io clients carrying their cookies, run lesson 16.1 each,
// and try to reach into each other's runs; the wall shows both; revoke works; a restart keeps the class.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io, type Socket } from "socket.io-client";
import { buildIfNeeded, ROOT, startServer, stopServer, waitForOutput, type Server } from "../e2e/harness";
import type { WallCard } from "../../lib/shared/class-protocol";

const PORT = Number(process.env.IT_CLASS_PORT ?? 3961);
const BASE = `http://127.0.0.1:${PORT}`;
const SLUG = "monolith-vs-microservices";
const DATA_DIR = mkdtempSync(path.join(os.tmpdir(), "gmp-class-it-"));
const ENV = { PLAYGROUND_MODE: "class", PLAYGROUND_DATA_DIR: DATA_DIR, PLAYGROUND_PUBLIC_URL: `${BASE}/` };
const EDITED_FILE = "services/user-service/main.go";

let server: Server | undefined;
const sockets: Socket[] = [];

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

function http(
  method: string,
  urlPath: string,
  opts: { cookie?: string; origin?: string | null; type?: string; body?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.cookie) headers.Cookie = opts.cookie;
  // A browser sends its Origin on a POST; null: a client that sends none.
  if (opts.origin !== null && method !== "GET") headers.Origin = opts.origin ?? BASE;
  if (opts.type) headers["Content-Type"] = opts.type;
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: PORT, path: urlPath, method, headers }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

const form = (fields: Record<string, string>) => ({
  type: "application/x-www-form-urlencoded",
  body: new URLSearchParams(fields).toString(),
});
const postJson = (urlPath: string, cookie: string, body: unknown, origin?: string) =>
  http("POST", urlPath, { cookie, origin, type: "application/json", body: JSON.stringify(body) });

/** The cookie a response set, as the next request's Cookie header. */
function cookieOf(res: Answer): string {
  const set = ([] as string[]).concat(res.headers["set-cookie"] ?? []);
  const line = set.find((c) => c.startsWith("gmp_class="));
  if (!line) throw new Error(`no session cookie in ${res.status} ${JSON.stringify(res.headers)}`);
  return line.split(";")[0];
}

async function join(invite: string, name: string): Promise<string> {
  const res = await http("POST", "/class/join", form({ invite, name }));
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe("/");
  const setCookie = String(res.headers["set-cookie"]);
  expect(setCookie).toMatch(/HttpOnly/i);
  expect(setCookie).toMatch(/SameSite=Lax/i);
  return cookieOf(res);
}

function connect(cookie?: string): Socket {
  const s = io(BASE, {
    transports: ["websocket"],
    extraHeaders: cookie ? { Cookie: cookie } : {},
    // Ignored in class mode: the owner comes from the cookie, whatever a page claims.
    auth: { clientId: "pretend-to-be-someone-else" },
    reconnection: false,
    forceNew: true,
  });
  sockets.push(s);
  return s;
}

function outcome(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    s.once("connect", () => resolve("connected"));
    s.once("connect_error", (err) => resolve(`refused: ${err.message}`));
  });
}

async function call<T = Record<string, unknown>>(s: Socket, event: string, payload: unknown): Promise<T> {
  return (await s.timeout(60_000).emitWithAck(event, payload)) as T;
}

/** Keeps the latest wall card of every learner a teacher socket was sent. */
function wallOf(teacher: Socket): Map<string, WallCard> {
  const cards = new Map<string, WallCard>();
  teacher.on("class:wall", (list: WallCard[]) => list.forEach((c) => cards.set(c.learnerId, c)));
  teacher.on("class:card", (c: WallCard) => cards.set(c.learnerId, c));
  return cards;
}

async function until<T>(
  what: string,
  probe: () => T | undefined | false,
  timeoutMs = 120_000,
  detail: () => unknown = () => "",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}: ${JSON.stringify(detail())}\n${server?.output().split("\n").slice(-40).join("\n")}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

const run = promisify(execFile);
let links: { teacher: string; invite: string; code: string };

beforeAll(async () => {
  buildIfNeeded();
  const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/class-cli.ts", "create", "IT class"], {
    cwd: ROOT,
    env: { ...process.env, ...ENV },
  });
  const field = (name: string) => new RegExp(`^${name}:\\s+(\\S+)`, "m").exec(stdout)?.[1] ?? "";
  links = { teacher: field("teacher link"), invite: field("invite link"), code: field("short code") };
  expect(links.teacher).toMatch(new RegExp(`^${BASE}/class/teacher/[A-Za-z0-9_-]{43}$`));
  expect(links.invite).toMatch(new RegExp(`^${BASE}/class/join/[A-Za-z0-9_-]{43}$`));
  expect(links.code).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
  server = await startServer(PORT, ENV);
  // A Run before the image is ready would wait for it (or fail if another checkout replaces it meanwhile).
  await waitForOutput(server, /sandbox image \S+ ready/, 600_000);
}, 900_000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await stopServer(server);
  rmSync(DATA_DIR, { recursive: true, force: true });
});

describe("class mode", () => {
  let ann = "";
  let bob = "";
  let teacher = "";
  let annId = "";
  let bobId = "";

  it("shows nothing of the class without its cookie", async () => {
    expect((await http("GET", "/")).status).toBe(303);
    expect((await http("GET", `/lessons/${SLUG}`)).headers.location).toBe("/class/join");
    expect((await http("GET", "/class/api/me")).status).toBe(401);
    expect((await http("GET", "/class/wall")).status).toBe(303);
    expect(await outcome(connect())).toMatch(/^refused: sign in/);
    // A forged cookie is no better than none.
    expect(await outcome(connect("gmp_class=Fe26.2*1*forged"))).toMatch(/^refused/);
  });

  it("joins two learners by invite link and short code, and the teacher by the teacher link", async () => {
    const inviteToken = links.invite.split("/").pop()!;
    // Joining changes state: a cross-site form (another Origin) and a request without one are refused.
    const crossSite = await http("POST", "/class/join", {
      ...form({ invite: inviteToken, name: "Eve" }),
      origin: "http://evil.test",
    });
    expect(crossSite.status).toBe(403);
    const noOrigin = await http("POST", "/class/join", { ...form({ invite: inviteToken, name: "Eve" }), origin: null });
    expect(noOrigin.status).toBe(403);

    ann = await join(inviteToken, "Ann");
    const byCode = await http("POST", "/class/join", form({ code: links.code.toLowerCase(), name: "Bob" }));
    expect(byCode.status).toBe(303);
    bob = cookieOf(byCode);
    const wrongCode = await http("POST", "/class/join", form({ code: "00000-00000", name: "Mallory" }));
    expect(wrongCode.status).toBe(404);

    const teacherPage = await http("GET", new URL(links.teacher).pathname);
    expect(teacherPage.status).toBe(200);
    const signIn = await http("POST", "/class/teacher", form({ token: links.teacher.split("/").pop()! }));
    expect(signIn.status).toBe(303);
    expect(signIn.headers.location).toBe("/class/wall");
    teacher = cookieOf(signIn);

    const annMe = JSON.parse((await http("GET", "/class/api/me", { cookie: ann })).body);
    expect(annMe.who).toEqual({ role: "learner", className: "IT class", displayName: "Ann" });
    expect((await http("GET", "/", { cookie: ann })).status).toBe(200);
    expect((await http("GET", "/class/wall", { cookie: teacher })).status).toBe(200);
  });

  it("refuses the teacher's page and actions to a learner, and cross-site teacher actions", async () => {
    expect((await http("GET", "/class/wall", { cookie: ann })).status).toBe(403);
    const wall = JSON.parse((await http("GET", "/class/api/teacher/wall", { cookie: teacher })).body) as {
      cards: WallCard[];
    };
    expect(wall.cards.map((c) => c.displayName)).toEqual(["Ann", "Bob"]);
    [annId, bobId] = wall.cards.map((c) => c.learnerId);
    expect((await postJson(`/class/api/teacher/learners/${bobId}/revoke`, ann, {})).status).toBe(403);
    expect((await http("GET", "/class/api/teacher/wall", { cookie: bob })).status).toBe(403);
    // The teacher's own cookie from another site's page: refused before anything happens.
    const forged = await postJson(`/class/api/teacher/learners/${bobId}/revoke`, teacher, {}, "http://evil.test");
    expect(forged.status).toBe(403);
    const asForm = await http("POST", `/class/api/teacher/learners/${bobId}/revoke`, {
      cookie: teacher,
      ...form({}),
    });
    expect(asForm.status).toBe(403);
  });

  it("runs a lesson per learner; each sees only their own and is refused the other's", async () => {
    const annSocket = connect(ann);
    const bobSocket = connect(bob);
    const teacherSocket = connect(teacher);
    const cards = wallOf(teacherSocket);
    expect(await outcome(annSocket)).toBe("connected");
    expect(await outcome(bobSocket)).toBe("connected");
    expect(await outcome(teacherSocket)).toBe("connected");

    const seen = { ann: new Set<string>(), bob: new Set<string>() };
    annSocket.on("run:events", (b: { runId: string }) => seen.ann.add(b.runId));
    bobSocket.on("run:events", (b: { runId: string }) => seen.bob.add(b.runId));

    const annRun = (await call<{ run: { runId: string } }>(annSocket, "run:start", { lessonSlug: SLUG, files: null }))
      .run.runId;
    const bobRun = (await call<{ run: { runId: string } }>(bobSocket, "run:start", { lessonSlug: SLUG, files: null }))
      .run.runId;
    expect(annRun).not.toBe(bobRun);

    // The wall shows both learners' services reaching "running", live.
    const running = (id: string) => {
      const c = cards.get(id);
      return c && c.services.length === 2 && c.services.every((s) => s.stage === "running") ? c : undefined;
    };
    const all = () => [...cards.values()];
    const annCard = await until("Ann's services running on the wall", () => running(annId), 240_000, all);
    const bobCard = await until("Bob's services running on the wall", () => running(bobId), 240_000, all);
    expect(annCard.lessonSlug).toBe(SLUG);
    expect(bobCard.runId).toBe(bobRun);
    expect(annCard.online).toBe(1);

    // Ann's own request answers; it shows on her card as a check.
    const own = await call<{ response?: { status: number } }>(annSocket, "run:request", {
      runId: annRun,
      service: "monolith",
      method: "GET",
      path: "/users",
      headers: {},
    });
    expect(own.response?.status, JSON.stringify(own)).toBe(200);
    await until("Ann's request on the wall", () => cards.get(annId)?.lastChecks[0]?.status === 200);

    // Bob, knowing Ann's run id, tries every door into it.
    const tries: [string, unknown][] = [
      ["run:request", { runId: annRun, service: "monolith", method: "GET", path: "/users", headers: {} }],
      ["run:service", { runId: annRun, service: "monolith", action: "stop" }],
      ["run:update-files", { runId: annRun, files: { "services/monolith/config.yaml": "x" } }],
      ["shell:open", { runId: annRun, cols: 80, rows: 24 }],
      ["grpc:describe", { runId: annRun, service: "monolith" }],
      ["run:stop", { runId: annRun }],
    ];
    for (const [event, payload] of tries) {
      const answer = await call<{ error?: { code: string } }>(bobSocket, event, payload);
      expect(answer.error?.code, event).toBe("NO_RUN");
    }
    // Attaching to the lesson finds Bob's own run, never Ann's.
    const attached = await call<{ run: { runId: string } | null }>(bobSocket, "run:attach", { lessonSlug: SLUG });
    expect(attached.run?.runId).toBe(bobRun);
    // Ann's run is untouched, and no batch of hers reached Bob.
    expect(running(annId)).toBeTruthy();
    const again = await call<{ response?: { status: number } }>(annSocket, "run:request", {
      runId: annRun,
      service: "user-service",
      method: "GET",
      path: "/users",
      headers: {},
    });
    expect(again.response?.status).toBe(200);
    expect([...seen.ann]).toEqual([annRun]);
    expect([...seen.bob]).toEqual([bobRun]);

    // The teacher stops Bob's run from the wall.
    expect((await postJson(`/class/api/teacher/learners/${bobId}/stop`, teacher, {})).status).toBe(200);
    await until("Bob's run ended on the wall", () => cards.get(bobId)?.ended === "stopped", 60_000);
    expect(cards.get(annId)?.ended).toBeUndefined();
  }, 600_000);

  it("keeps a learner's edits and progress on the server, found again from another computer", async () => {
    const edits = { [EDITED_FILE]: "package main\n\n// Ann's edit\nfunc main() {}\n" };
    const progress = { runs: 1, requests: 2, sent: ["GET monolith/users"], edited: true };
    expect((await postJson("/class/api/work", ann, { lessonSlug: SLUG, edits, progress })).status).toBe(200);
    // Not for an unknown lesson, not cross-site, not as a form, not for the teacher.
    expect((await postJson("/class/api/work", ann, { lessonSlug: "no-such-lesson", edits })).status).toBe(404);
    expect((await postJson("/class/api/work", ann, { lessonSlug: SLUG, edits }, "http://evil.test")).status).toBe(403);
    expect((await postJson("/class/api/work", teacher, { lessonSlug: SLUG, edits })).status).toBe(403);

    // Another computer: no cookie yet; Ann opens her own link and continues as herself.
    const me = JSON.parse((await http("GET", "/class/api/me", { cookie: ann })).body);
    expect(me.returnPath).toMatch(/^\/class\/return\//);
    const page = await http("GET", me.returnPath);
    expect(page.body).toContain("Ann");
    const token = (me.returnPath as string).split("/").pop()!;
    const back = await http("POST", "/class/return", form({ token }));
    expect(back.status).toBe(303);
    const elsewhere = cookieOf(back);
    expect(elsewhere).not.toBe(ann);
    const there = JSON.parse((await http("GET", "/class/api/me", { cookie: elsewhere })).body);
    expect(there.edits[SLUG]).toEqual(edits);
    expect(there.progress[SLUG]).toEqual(progress);
    // Bob sees none of it.
    const bobs = JSON.parse((await http("GET", "/class/api/me", { cookie: bob })).body);
    expect(bobs.edits).toEqual({});
    // A tampered link is refused.
    expect((await http("POST", "/class/return", form({ token: `${token.slice(0, -2)}AA` }))).status).toBe(404);
  });

  it("logs out: the cookie no longer opens anything, even copied", async () => {
    const spare = await join(links.invite.split("/").pop()!, "Spare");
    expect((await http("GET", "/class/api/me", { cookie: spare })).status).toBe(200);
    const tab = connect(spare);
    expect(await outcome(tab)).toBe("connected");
    const dropped = new Promise<string>((r) => tab.once("disconnect", (reason) => r(reason)));
    const out = await http("POST", "/class/logout", { cookie: spare });
    expect(await dropped).toBe("io server disconnect");
    expect(out.status).toBe(303);
    expect(String(out.headers["set-cookie"])).toMatch(/gmp_class=;|Max-Age=0|Expires=Thu, 01 Jan 1970/i);
    expect((await http("GET", "/class/api/me", { cookie: spare })).status).toBe(401);
    expect(await outcome(connect(spare))).toMatch(/^refused/);
  });

  it("revokes a learner: their socket is dropped and their cookie and link stop working", async () => {
    const bobSocket = connect(bob);
    expect(await outcome(bobSocket)).toBe("connected");
    const dropped = new Promise<string>((r) => bobSocket.once("disconnect", (reason) => r(reason)));
    expect((await postJson(`/class/api/teacher/learners/${bobId}/revoke`, teacher, {})).status).toBe(200);
    expect(await dropped).toBe("io server disconnect");
    expect((await http("GET", "/class/api/me", { cookie: bob })).status).toBe(401);
    expect(await outcome(connect(bob))).toMatch(/^refused/);
    const wall = JSON.parse((await http("GET", "/class/api/teacher/wall", { cookie: teacher })).body) as {
      cards: WallCard[];
    };
    expect(wall.cards.find((c) => c.learnerId === bobId)?.revoked).toBe(true);
  });

  it("keeps membership, edits and progress across a server restart", async () => {
    for (const s of sockets) s.disconnect();
    await stopServer(server);
    server = await startServer(PORT, ENV);
    const me = JSON.parse((await http("GET", "/class/api/me", { cookie: ann })).body);
    expect(me.who.displayName).toBe("Ann");
    expect(me.edits[SLUG][EDITED_FILE]).toContain("Ann's edit");
    expect(me.progress[SLUG].runs).toBe(1);
    expect((await http("GET", "/class/api/me", { cookie: bob })).status).toBe(401);
    const teacherSocket = connect(teacher);
    const cards = wallOf(teacherSocket);
    expect(await outcome(teacherSocket)).toBe("connected");
    await until("the wall after the restart", () => cards.size === 3);
    const ann2 = cards.get(annId)!;
    // Ann ran 16.1 to running before the restart: the run history says so.
    expect(ann2.lessonsRun).toEqual([SLUG]);
    expect(cards.get(bobId)?.revoked).toBe(true);
  }, 300_000);

  it("closes the class: everyone is signed out and the invite stops working", async () => {
    const annSocket = connect(ann);
    expect(await outcome(annSocket)).toBe("connected");
    const dropped = new Promise<string>((r) => annSocket.once("disconnect", (reason) => r(reason)));
    expect((await postJson("/class/api/teacher/close", ann, {})).status).toBe(403);
    expect((await postJson("/class/api/teacher/close", teacher, {})).status).toBe(200);
    expect(await dropped).toBe("io server disconnect");
    expect((await http("GET", "/class/api/me", { cookie: ann })).status).toBe(401);
    expect((await http("GET", "/class/api/me", { cookie: teacher })).status).toBe(401);
    const late = await http("POST", "/class/join", form({ invite: links.invite.split("/").pop()!, name: "Late" }));
    expect(late.status).toBe(404);
  });
});
