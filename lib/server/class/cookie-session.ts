// The class session cookie: iron-session seals a random session id (signed and encrypted, HttpOnly, SameSite=Lax,
// Secure behind https); the database says whether that session, its learner and its class are still valid.
import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseCookies } from "cookie";
import { getIronSession, type SessionOptions } from "iron-session";
import type { ClassConfig } from "./config";
import { SESSION_TTL_MS } from "./limits";
import type { ClassStore, Identity } from "./store";

export const COOKIE_NAME = "gmp_class";

interface SessionData {
  sid?: string;
}

export class ClassCookies {
  private readonly options: SessionOptions;

  constructor(
    config: ClassConfig,
    private readonly store: ClassStore,
  ) {
    this.options = {
      cookieName: COOKIE_NAME,
      password: config.cookieSecret,
      ttl: SESSION_TTL_MS / 1000,
      cookieOptions: {
        httpOnly: true,
        // Lax, not Strict: a learner who follows the playground's link from elsewhere arrives signed in. Requests
        // that change anything are refused cross-site by their Origin (csrf.ts), and socket.io's handshake too.
        sameSite: "lax",
        secure: config.secureCookies,
        path: "/",
      },
    };
  }

  /** Signs the browser in as this session (a fresh id each time: no session fixation). */
  async begin(req: IncomingMessage, res: ServerResponse, sid: string): Promise<void> {
    const session = await getIronSession<SessionData>(req, res, this.options);
    session.sid = sid;
    await session.save();
  }

  /** The identity behind an HTTP request's cookie, with its session id. */
  async fromRequest(req: IncomingMessage, res: ServerResponse): Promise<{ sid: string; who: Identity } | undefined> {
    const session = await getIronSession<SessionData>(req, res, this.options);
    return this.lookup(session.sid);
  }

  /** The identity behind a Cookie header alone (socket.io's handshake has no response to write to). */
  async fromCookieHeader(header: string | undefined): Promise<{ sid: string; who: Identity } | undefined> {
    const jar = parseCookies(header ?? "");
    const session = await getIronSession<SessionData>(
      {
        get: (name) => (jar[name] === undefined ? undefined : { name, value: jar[name] as string }),
        set: () => {},
      },
      this.options,
    );
    return this.lookup(session.sid);
  }

  /** Ends the session in the database (so a copied cookie is worthless too) and clears the cookie. */
  async end(req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
    const session = await getIronSession<SessionData>(req, res, this.options);
    const sid = typeof session.sid === "string" ? session.sid : undefined;
    if (sid) this.store.endSession(sid);
    session.destroy();
    return sid;
  }

  private lookup(sid: unknown): { sid: string; who: Identity } | undefined {
    if (typeof sid !== "string" || sid.length > 100) return undefined;
    const who = this.store.identify(sid);
    return who ? { sid, who } : undefined;
  }
}
