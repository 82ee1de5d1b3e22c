// Class mode's HTTP face: joining, the teacher's sign-in, sign-out, a learner's saved work, the teacher's actions,
// and the gate that keeps every other page and API of a class behind its cookie.
import type { IncomingMessage, ServerResponse } from "node:http";
import { workPayload, type ClassMe } from "../../shared/class-protocol";
import type { ClassCookies } from "./cookie-session";
import { sameOrigin, sameOriginJson } from "./csrf";
import type { ClassHub } from "./hub";
import { JoinLimiter } from "./join-limiter";
import { DISPLAY_NAME_MAX, EDITS_MAX_BYTES, PROGRESS_MAX_BYTES, SAVES_PER_MINUTE } from "./limits";
import { joinPage, messagePage, returnPage, teacherPage } from "./pages";
import type { ReturnLinks } from "./return-link";
import type { Identity } from "./store";

const FORM_MAX_BYTES = 4 * 1024;
const JSON_MAX_BYTES = EDITS_MAX_BYTES + PROGRESS_MAX_BYTES + 4 * 1024;

/** Paths anyone may fetch: the join and sign-in forms, and the site's static files (the same for every visitor). */
const PUBLIC_PATHS = [
  /^\/class\/join(\/[A-Za-z0-9_-]{1,64})?$/,
  /^\/class\/teacher(\/[A-Za-z0-9_-]{1,64})?$/,
  /^\/class\/return(\/[A-Za-z0-9_.-]{1,120})?$/,
];
const PUBLIC_PREFIXES = ["/_next/static/", "/favicon.svg"];

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Answers; returns true ("handled") so a route can `return send(...)`. */
function send(res: ServerResponse, status: number, type: string, body: string): true {
  res.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store" });
  res.end(body);
  return true;
}
const html = (res: ServerResponse, status: number, body: string) => send(res, status, "text/html; charset=utf-8", body);
const json = (res: ServerResponse, status: number, body: unknown) =>
  send(res, status, "application/json; charset=utf-8", JSON.stringify(body));
const redirect = (res: ServerResponse, to: string): true => {
  res.writeHead(303, { Location: to, "Cache-Control": "no-store" });
  res.end();
  return true;
};

async function readBody(req: IncomingMessage, max: number): Promise<string> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > max) throw new HttpFailure(413, "too large");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new HttpFailure(413, "too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A display name: printable, trimmed, short; control and bidi-override characters out (they would spoof the wall). */
export function cleanDisplayName(raw: unknown): string | undefined {
  if (typeof raw !== "string") return undefined;
  const name = raw
    .normalize("NFC")
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, "")
    .replace(/\s+/g, " ")
    .trim();
  if (name.length === 0 || [...name].length > DISPLAY_NAME_MAX) return undefined;
  return name;
}

export class ClassRoutes {
  private readonly joins = new JoinLimiter();
  private readonly saves = new Map<string, { window: number; n: number }>();

  constructor(
    private readonly hub: ClassHub,
    private readonly cookies: ClassCookies,
    private readonly returns: ReturnLinks,
  ) {}

  /** Answers the request if it is class mode's to answer (a class route, or a refusal at the gate); else false. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? "/", "http://x");
    const path = url.pathname;
    try {
      if (PUBLIC_PATHS.some((re) => re.test(path))) {
        await this.publicRoute(req, res, path);
        return true;
      }
      if (PUBLIC_PREFIXES.some((p) => path.startsWith(p))) return false;
      const session = await this.cookies.fromRequest(req, res);
      if (!session) {
        // Pages send the browser to the join form; anything else (APIs, Next's data) is simply refused.
        if (req.method === "GET" && !path.startsWith("/class/api/") && !path.startsWith("/_next/"))
          redirect(res, "/class/join");
        else json(res, 401, { error: "Sign in to the class first." });
        return true;
      }
      if (path.startsWith("/class/")) return await this.classRoute(req, res, path, session.who);
      return false; // a signed-in member: Next serves the page
    } catch (err) {
      if (err instanceof HttpFailure && !res.headersSent) return json(res, err.status, { error: err.message });
      throw err;
    }
  }

  private async publicRoute(req: IncomingMessage, res: ServerResponse, path: string): Promise<true> {
    const [, , kind, secret] = path.split("/");
    if (req.method === "GET") {
      if (kind === "join") {
        // Showing the form looks nothing up: the invite is checked once, when it is used, under the rate limit.
        return html(res, 200, joinPage({ invite: secret }));
      }
      if (kind === "return") {
        const learner = this.returningLearner(secret ?? "");
        if (!learner) return html(res, 404, messagePage("链接无效。", "This link is not valid (any more)."));
        return html(res, 200, returnPage({ displayName: learner.displayName, token: secret! }));
      }
      if (!secret) return html(res, 404, messagePage("请使用教师链接。", "Open the teacher link you were given."));
      const found = this.hub.store.classByTeacherToken(secret);
      if (!found)
        return html(res, 404, messagePage("链接无效或课堂已关闭。", "This link is not valid, or the class is closed."));
      return html(res, 200, teacherPage({ className: found.name, token: secret }));
    }
    if (req.method !== "POST" || secret) throw new HttpFailure(405, "method not allowed");
    if (!sameOrigin(req)) throw new HttpFailure(403, "cross-site request refused");
    const address = req.socket.remoteAddress ?? "?";
    if (!this.joins.attempt(address)) {
      res.setHeader("Retry-After", String(this.joins.retryAfter()));
      return html(res, 429, messagePage("尝试次数过多，请稍后再试。", "Too many attempts; try again in a minute."));
    }
    const form = new URLSearchParams(await readBody(req, FORM_MAX_BYTES));
    if (kind === "teacher") {
      const found = this.hub.store.classByTeacherToken(form.get("token") ?? "");
      if (!found)
        return html(res, 404, messagePage("链接无效或课堂已关闭。", "This link is not valid, or the class is closed."));
      await this.cookies.begin(req, res, this.hub.store.createSession(found.id, null));
      return redirect(res, "/class/wall");
    }
    if (kind === "return") {
      const learner = this.returningLearner(form.get("token") ?? "");
      if (!learner) return html(res, 404, messagePage("链接无效。", "This link is not valid (any more)."));
      await this.cookies.begin(req, res, this.hub.store.createSession(learner.classId, learner.id));
      return redirect(res, "/");
    }
    const invite = form.get("invite") ?? "";
    const code = form.get("code") ?? "";
    const name = cleanDisplayName(form.get("name"));
    const again = (error: string, status = 400) => html(res, status, joinPage({ invite: invite || undefined, error }));
    if (!name)
      return again(
        `请填写名字（最多 ${DISPLAY_NAME_MAX} 个字符）。 Please give a name of at most ${DISPLAY_NAME_MAX} characters.`,
      );
    // A typed short code is the guessable one: a shared budget of failures, so many addresses do not add up.
    if (!invite && !this.joins.codesOpen()) {
      res.setHeader("Retry-After", String(this.joins.retryAfter()));
      return again("尝试次数过多，请稍后再试。 Too many attempts; try again in a minute.", 429);
    }
    const found = this.hub.store.classByInvite(invite || code);
    if (!found) {
      if (!invite) this.joins.codeFailed();
      return again("代码无效或课堂已关闭。 This code is not valid, or the class is closed.", 404);
    }
    const learner = this.hub.store.addLearner(found.id, name);
    if (learner === "full") return again("课堂已满。 This class is full.", 409);
    await this.cookies.begin(req, res, this.hub.store.createSession(found.id, learner.id));
    return redirect(res, "/");
  }

  /** False only for the wall page, which Next renders once the gate has seen the teacher's cookie. */
  private async classRoute(req: IncomingMessage, res: ServerResponse, path: string, who: Identity): Promise<boolean> {
    const get = req.method === "GET";
    if (!get && req.method !== "POST") throw new HttpFailure(405, "method not allowed");
    // Every state-changing class route: same origin; the JSON ones also a JSON body.
    if (!get && !(path === "/class/logout" ? sameOrigin(req) : sameOriginJson(req)))
      throw new HttpFailure(403, "cross-site request refused");

    if (path === "/class/logout" && !get) {
      const sid = await this.cookies.end(req, res);
      if (sid) this.hub.signedOut(sid);
      return redirect(res, "/class/join");
    }
    if (path === "/class/api/me" && get) return json(res, 200, this.me(who));
    if (path === "/class/api/work" && !get) {
      if (who.role !== "learner") throw new HttpFailure(403, "only a learner has work to save");
      return this.saveWork(req, res, who);
    }

    // Everything below is the teacher's.
    const teacherPath = path === "/class/wall" || path.startsWith("/class/api/teacher/");
    if (!teacherPath) throw new HttpFailure(404, "not found");
    if (who.role !== "teacher") throw new HttpFailure(403, "only the teacher may open this");
    if (path === "/class/wall" && get) return false;
    if (path === "/class/api/teacher/wall" && get) return json(res, 200, { cards: this.hub.wall(who.classId) });
    if (path === "/class/api/teacher/close" && !get) {
      await this.hub.closeClass(who.classId);
      await this.cookies.end(req, res);
      return json(res, 200, { ok: true });
    }
    const m = /^\/class\/api\/teacher\/learners\/([A-Za-z0-9_-]{1,64})\/(revoke|stop)$/.exec(path);
    if (m && !get) {
      const ok =
        m[2] === "revoke" ? await this.hub.revoke(who.classId, m[1]) : await this.hub.stopLearnerRun(who.classId, m[1]);
      if (!ok) throw new HttpFailure(404, "no such learner in this class");
      return json(res, 200, { ok: true });
    }
    throw new HttpFailure(404, "not found");
  }

  /** The learner a return link names, if they are still in an open class. */
  private returningLearner(token: string) {
    const learnerId = this.returns.verify(token);
    const learner = learnerId ? this.hub.store.learner(learnerId) : undefined;
    if (!learner || learner.revokedAt !== null || this.hub.store.getClass(learner.classId)?.closedAt !== null)
      return undefined;
    return learner;
  }

  private me(who: Identity): ClassMe {
    const base: ClassMe = {
      who: {
        role: who.role,
        className: who.className,
        displayName: who.role === "learner" ? who.displayName : undefined,
      },
      edits: {},
      progress: {},
    };
    if (who.role !== "learner") return base;
    base.returnPath = `/class/return/${this.returns.token(who.learnerId)}`;
    const work = this.hub.store.work(who.learnerId);
    for (const [slug, text] of Object.entries(work.edits))
      base.edits[slug] = JSON.parse(text) as Record<string, string>;
    for (const [slug, text] of Object.entries(work.progress)) base.progress[slug] = JSON.parse(text) as unknown;
    return base;
  }

  private async saveWork(
    req: IncomingMessage,
    res: ServerResponse,
    who: Extract<Identity, { role: "learner" }>,
  ): Promise<true> {
    const window = Math.floor(Date.now() / 60_000);
    const count = this.saves.get(who.learnerId);
    const n = count?.window === window ? count.n : 0;
    if (n >= SAVES_PER_MINUTE) throw new HttpFailure(429, "too many saves; wait a minute");
    this.saves.set(who.learnerId, { window, n: n + 1 });
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req, JSON_MAX_BYTES));
    } catch (err) {
      if (err instanceof HttpFailure) throw err;
      throw new HttpFailure(400, "not JSON");
    }
    const parsed = workPayload.safeParse(body);
    if (!parsed.success) throw new HttpFailure(400, "not a lesson's work");
    const { lessonSlug, edits, progress } = parsed.data;
    if (!this.hub.knowsLesson(lessonSlug)) throw new HttpFailure(404, "no such lesson");
    if (edits) {
      const text = JSON.stringify(edits);
      if (Buffer.byteLength(text) > EDITS_MAX_BYTES) throw new HttpFailure(413, "edits too large");
      this.hub.store.saveEdits(who.learnerId, lessonSlug, text);
    }
    if (progress) {
      const text = JSON.stringify(progress);
      if (Buffer.byteLength(text) > PROGRESS_MAX_BYTES) throw new HttpFailure(413, "progress too large");
      this.hub.store.saveProgress(who.learnerId, lessonSlug, text);
    }
    this.hub.active(who.learnerId, who.classId);
    return json(res, 200, { ok: true });
  }
}
