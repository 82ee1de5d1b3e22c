// Which API requests a run's shell may send through its kubectl proxy (api-proxy.ts): discovery, and the run's own
// namespace. RBAC on the shell's ServiceAccount is the real guard; this is the second one, checked before a request
// is sent, so a path of another namespace or of the whole cluster never reaches the API server with the shell's token.
// Pure, so every trick (dot segments, encoded slashes, a namespace that only starts the same) is unit-tested.

/** What a request may do; RBAC decides the rest. */
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]);
/** Discovery and the API's description: the same for every user, and what kubectl reads before anything else. */
const DISCOVERY = [/^\/api$/, /^\/api\/v1$/, /^\/apis$/, /^\/apis\/[a-z0-9.-]+$/, /^\/apis\/[a-z0-9.-]+\/v[a-z0-9]+$/];
/** Reviews of the caller's own rights (`kubectl auth can-i`, `kubectl auth whoami`): they reveal nothing else. */
const SELF_REVIEWS = new Set([
  "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
  "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
  "/apis/authentication.k8s.io/v1/selfsubjectreviews",
]);
/** Longest request target (path and query) passed on: kubectl's longest are label and field selectors. */
export const MAX_TARGET_CHARS = 4096;
/** One path segment: a Kubernetes name is at most 253 characters (a DNS subdomain). */
const SEGMENT = /^[A-Za-z0-9._-]{1,253}$/;

export type PathDecision = { ok: true; target: string } | { ok: false; reason: string };

/**
 * Decides one request of the shell of the run whose namespace is `namespace`. `target` is the request line's target
 * (path and query) as it arrived; the answer's `target` is what is sent on, unchanged when allowed.
 */
export function allowApiRequest(method: string, target: string, namespace: string): PathDecision {
  if (!METHODS.has(method)) return { ok: false, reason: `method ${method.slice(0, 16)} is not allowed` };
  if (target.length > MAX_TARGET_CHARS) return { ok: false, reason: "the request target is too long" };
  if (!target.startsWith("/")) return { ok: false, reason: "only paths of the API are allowed" };
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? "" : target.slice(q + 1);
  // Nothing the API server would decode or normalise into something else: the path is checked as it will be read.
  if (/[%\\#\s]/.test(path) || path.includes("//")) return { ok: false, reason: "the path is not a plain API path" };
  if (/[\s#]/.test(query)) return { ok: false, reason: "the query is not plain" };
  const segments = path.split("/").slice(1);
  if (segments.some((s) => !SEGMENT.test(s) || s === "." || s === ".."))
    return { ok: false, reason: "the path is not a plain API path" };

  if (method === "GET" || method === "HEAD") {
    if (path === "/version" || path === "/openapi/v2" || path === "/openapi/v3") return { ok: true, target };
    if (
      path.startsWith("/openapi/v3/") &&
      (path.startsWith("/openapi/v3/api/") || path.startsWith("/openapi/v3/apis/"))
    )
      return { ok: true, target };
    if (DISCOVERY.some((re) => re.test(path))) return { ok: true, target };
  }
  if (method === "POST" && SELF_REVIEWS.has(path)) return { ok: true, target };
  if (inNamespace(segments, namespace)) return { ok: true, target };
  return { ok: false, reason: `only the namespace ${namespace} and API discovery are reachable from this shell` };
}

/** `/api/v1/namespaces/<ns>/<resource>…` or `/apis/<group>/<version>/namespaces/<ns>/<resource>…`. */
function inNamespace(segments: string[], namespace: string): boolean {
  let rest: string[];
  if (segments[0] === "api" && segments[1] === "v1") rest = segments.slice(2);
  else if (segments[0] === "apis" && segments.length > 3) rest = segments.slice(3);
  else return false;
  // A resource in it, not the namespace object itself (that is cluster-scoped, and not the learner's to change).
  return rest.length >= 3 && rest[0] === "namespaces" && rest[1] === namespace;
}

/** Request headers passed on to the API server; every other one (credentials, impersonation, cookies) is dropped. */
const FORWARDED_HEADERS = new Set([
  "accept",
  "accept-encoding",
  "content-type",
  "content-length",
  "user-agent",
  "kubectl-command",
  "kubectl-session",
  "x-stream-protocol-version",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-protocol",
  "sec-websocket-extensions",
]);

/** The headers of a learner's request that may go to the API server (an allow-list: `Impersonate-*` never does). */
export function forwardedHeaders(
  headers: Record<string, string | string[] | undefined>,
  upgrade: boolean,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (FORWARDED_HEADERS.has(lower)) out[lower] = value;
  }
  if (upgrade && typeof headers.upgrade === "string") {
    out.upgrade = headers.upgrade;
    out.connection = "Upgrade";
  }
  return out;
}

/** A Kubernetes Status, as kubectl prints it: `Error from server (Forbidden): <message>`. */
export function statusBody(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code });
}
