// Which Host and Origin the server answers (a DNS-rebinding page has neither on the list), and the headers every response carries.
import { createHash, randomBytes } from "node:crypto";
import { isIP } from "node:net";

/** Names that always reach this machine only; accepted with the server's own port. */
const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];

/** One accepted name; `port` undefined accepts any port (a public name behind a proxy: the operator owns it). */
export interface AllowedHost {
  name: string;
  port?: number;
}

export interface HostPolicy {
  hosts: AllowedHost[];
}

/** A Host (or an Origin's host) split into a lower-case name without a trailing dot, and its port if it has one. */
export function splitHost(value: string): { name: string; port?: number } | undefined {
  const text = value.trim().toLowerCase();
  // An IPv6 literal keeps its brackets, as a Host header writes it.
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(text);
  if (!m) return undefined;
  const name = m[1].endsWith(".") ? m[1].slice(0, -1) : m[1];
  if (name === "" || /[\s/\\@?#]/.test(name)) return undefined;
  if (name.startsWith("[") && isIP(name.slice(1, -1)) !== 6) return undefined;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  return { name: name.startsWith("[") ? `[${canonicalV6(name.slice(1, -1))}]` : name, port };
}

/** "[0:0:0:0:0:0:0:1]" and "[::1]" are one address: compare IPv6 literals in one spelling. */
function canonicalV6(address: string): string {
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address;
  }
}

/**
 * The allow-list: loopback names with the server's port, the address it listens on when that is a specific one,
 * and the operator's names (PLAYGROUND_ALLOWED_HOSTS: "name" or "name:port", comma-separated; PLAYGROUND_PUBLIC_URL:
 * the address learners open, e.g. behind a TLS proxy).
 */
export function hostPolicy(opts: {
  port: number;
  listenHost?: string;
  allowed?: string;
  publicUrl?: string;
}): HostPolicy {
  const hosts: AllowedHost[] = LOOPBACK_NAMES.map((name) => ({ name: splitHost(name)!.name, port: opts.port }));
  const listen = opts.listenHost?.trim();
  // A wildcard address names no host; a specific one is what learners type (an IP literal cannot be rebound).
  if (listen && !["0.0.0.0", "::", "[::]"].includes(listen)) {
    const literal = isIP(listen) === 6 ? `[${listen}]` : listen;
    const parsed = splitHost(literal);
    if (parsed) hosts.push({ name: parsed.name, port: opts.port });
  }
  for (const entry of (opts.allowed ?? "").split(",")) {
    if (entry.trim() === "") continue;
    const parsed = splitHost(entry);
    if (!parsed) throw new Error(`PLAYGROUND_ALLOWED_HOSTS: "${entry.trim()}" is not a host name or host:port`);
    hosts.push(parsed);
  }
  if (opts.publicUrl?.trim()) {
    let url: URL;
    try {
      url = new URL(opts.publicUrl.trim());
    } catch {
      throw new Error(`PLAYGROUND_PUBLIC_URL: "${opts.publicUrl}" is not a URL`);
    }
    const parsed = splitHost(url.host);
    if (!parsed || !["http:", "https:"].includes(url.protocol))
      throw new Error(`PLAYGROUND_PUBLIC_URL: "${opts.publicUrl}" is not an http(s) URL`);
    hosts.push({ name: parsed.name, port: url.port === "" ? undefined : Number(url.port) });
  }
  const seen = new Set<string>();
  return { hosts: hosts.filter((h) => !seen.has(`${h.name}:${h.port}`) && seen.add(`${h.name}:${h.port}`)) };
}

function allowed(policy: HostPolicy, host: { name: string; port?: number }, defaultPort: number): boolean {
  const port = host.port ?? defaultPort;
  return policy.hosts.some((h) => h.name === host.name && (h.port === undefined || h.port === port));
}

export type GuardVerdict = { ok: true } | { ok: false; status: 421 | 403; message: string };

/** The Host header must name this server; without a port it means port 80. */
export function checkHost(policy: HostPolicy, hostHeader: string | undefined): GuardVerdict {
  if (!hostHeader) return { ok: false, status: 421, message: "A Host header is required." };
  const host = splitHost(hostHeader);
  if (!host || !allowed(policy, host, 80))
    return {
      ok: false,
      status: 421,
      message: `This playground does not answer to the name ${JSON.stringify(hostHeader.slice(0, 100))}. Open it as http://localhost or a name its operator set in PLAYGROUND_ALLOWED_HOSTS.`,
    };
  return { ok: true };
}

/** An Origin, when the browser sends one, must be a page of this playground: on the list, not merely equal to Host. */
export function checkOrigin(policy: HostPolicy, origin: string | undefined): GuardVerdict {
  if (origin === undefined) return { ok: true };
  const refused: GuardVerdict = {
    ok: false,
    status: 403,
    message: `Requests from ${JSON.stringify(origin.slice(0, 100))} are not accepted: only pages of this playground may use it.`,
  };
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return refused; // "null" (a sandboxed frame, a file) and garbage alike
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return refused;
  const host = splitHost(url.host);
  if (!host || !allowed(policy, host, url.protocol === "https:" ? 443 : 80)) return refused;
  return { ok: true };
}

/** Both checks for one request; Host first, since a wrong Host is the rebinding case. */
export function checkRequest(policy: HostPolicy, headers: { host?: string; origin?: string | string[] }): GuardVerdict {
  const host = checkHost(policy, headers.host);
  if (!host.ok) return host;
  const origin = Array.isArray(headers.origin) ? headers.origin.join(",") : headers.origin;
  return checkOrigin(policy, origin);
}

/** sha256 source of an inline script, for a CSP that allows exactly that script. */
export function scriptHash(source: string): string {
  return `'sha256-${createHash("sha256").update(source, "utf8").digest("base64")}'`;
}

/**
 * Hashes of the inline scripts of a prerendered page (Next's static 404 is built once, without a request to take a
 * nonce from), so the CSP allows exactly those scripts and nothing else inline.
 */
export function inlineScriptHashes(html: string): string[] {
  const hashes = new Set<string>();
  for (const m of html.matchAll(/<script(\s[^>]*)?>([\s\S]*?)<\/script>/gi)) {
    if (/\ssrc\s*=/i.test(m[1] ?? "") || m[2] === "") continue;
    hashes.add(scriptHash(m[2]));
  }
  return [...hashes];
}

export function newNonce(): string {
  return randomBytes(16).toString("base64");
}

/**
 * The Content-Security-Policy of every response. Scripts: our own files, Next's inline scripts by nonce (Next reads
 * the nonce from the request's CSP header), the theme boot script by hash. Dev mode adds 'unsafe-eval' (React's
 * dev tooling evaluates source maps). Styles stay 'unsafe-inline': Monaco and xterm.js set style attributes.
 */
export function contentSecurityPolicy(opts: { nonce: string; inlineHashes: string[]; dev: boolean }): string {
  const script = ["'self'", `'nonce-${opts.nonce}'`, ...opts.inlineHashes, ...(opts.dev ? ["'unsafe-eval'"] : [])];
  return [
    "default-src 'self'",
    `script-src ${script.join(" ")}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    // socket.io's websocket (and Next's dev reload socket) to this same host: 'self' covers ws(s) in CSP 3.
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "frame-src 'none'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Headers for every response besides the CSP. */
export const HARDENING_HEADERS: Readonly<Record<string, string>> = {
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "same-origin",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
};
