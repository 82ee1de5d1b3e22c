// Cross-site request forgery: a request that changes anything must come from a page of this playground.
import type { IncomingMessage } from "node:http";

/**
 * The cookie is SameSite=Lax, which already keeps it off cross-site POSTs in current browsers; this is the second
 * lock, for older browsers and same-site neighbours: the browser's own Origin (or Sec-Fetch-Site) must name this
 * very host. A request with neither is refused — every browser that can run the playground sends one on a POST.
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const site = req.headers["sec-fetch-site"];
  if (typeof site === "string" && site !== "same-origin") return false;
  const origin = req.headers.origin;
  const host = req.headers.host;
  if (typeof origin !== "string" || origin === "null" || !host) return site === "same-origin";
  try {
    return new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}

/** A JSON API call: same origin and a JSON body, which a cross-site form cannot send without a preflight. */
export function sameOriginJson(req: IncomingMessage): boolean {
  const type = req.headers["content-type"] ?? "";
  return sameOrigin(req) && /^application\/json(\s*;|$)/i.test(type);
}
