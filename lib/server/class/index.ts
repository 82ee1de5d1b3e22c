// Class mode's face to server.mts: open the database, seal cookies, route HTTP, identify sockets, keep the wall.
import type { IncomingMessage, ServerResponse } from "node:http";
import { listLessons } from "../lessons";
import type { ClassConfig } from "./config";
import { ClassCookies } from "./cookie-session";
import { openClassDb } from "./db";
import { ClassHub, ownerOf, sessionKey, type HubOutlets } from "./hub";
import { ReturnLinks } from "./return-link";
import { ClassRoutes } from "./routes";
import { ClassStore, type Identity } from "./store";

export { classConfig, isClassMode, publicLink, type ClassConfig } from "./config";
export { ownerOf, type ClassHub } from "./hub";
export type { Identity } from "./store";

export interface ClassMode {
  hub: ClassHub;
  /** True when the request was answered here (a class route, or refused at the gate); false: Next serves it. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** The identity behind a socket.io handshake's cookie, and the run owner it maps to. */
  identifySocket(
    cookieHeader: string | undefined,
  ): Promise<{ who: Identity; owner: string; sessionKey: string } | undefined>;
  close(): void;
}

export async function startClassMode(config: ClassConfig, outlets: HubOutlets): Promise<ClassMode> {
  const db = openClassDb(config.dataDir);
  const store = new ClassStore(db);
  const slugs = (await listLessons()).map((l) => l.slug);
  const hub = new ClassHub(store, outlets, slugs);
  const cookies = new ClassCookies(config, store);
  const routes = new ClassRoutes(hub, cookies, new ReturnLinks(config.cookieSecret));
  return {
    hub,
    handle: (req, res) => routes.handle(req, res),
    identifySocket: async (header) => {
      const found = await cookies.fromCookieHeader(header);
      return found ? { who: found.who, owner: ownerOf(found.who), sessionKey: sessionKey(found.sid) } : undefined;
    },
    close: () => db.close(),
  };
}
