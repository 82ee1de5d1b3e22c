// HTTP to a service of a run, through the port the engine published on 127.0.0.1 (the request panel's path).
import { connect as connectHttp2 } from "node:http2";
import { SandboxError } from "./errors";
import { MAX_RESPONSE_BODY_BYTES } from "./limits";
import { withTraceparent } from "./traceparent";
import type { HttpRequestSpec, HttpResponseSummary } from "./types";

/** Sends the request to the service behind `hostPort`; the body shown is capped, and its cut is said. */
export async function sendHttpRequest(hostPort: number, spec: HttpRequestSpec): Promise<HttpResponseSummary> {
  const method = spec.method.toUpperCase();
  if (!/^[A-Z]{3,7}$/.test(method)) throw new SandboxError("BAD_REQUEST", `"${spec.method}" is not an HTTP method.`);
  if (!spec.path.startsWith("/")) throw new SandboxError("BAD_REQUEST", "The path must start with /.");
  // Every call from the panel starts a trace (unless it brings its own traceparent), so the page can show the
  // trace of the request it just sent. A service without tracing ignores the header.
  const { headers, traceId } = withTraceparent(spec.headers);
  const started = performance.now();
  let res: Response;
  try {
    res = await fetch(`http://127.0.0.1:${hostPort}${spec.path}`, {
      method,
      headers,
      body: ["GET", "HEAD"].includes(method) ? undefined : spec.body,
      signal: AbortSignal.timeout(spec.timeoutMs ?? 10_000),
      redirect: "manual",
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new SandboxError("SERVICE_NOT_RUNNING", `${spec.service} did not answer (${cause}).`);
  }
  const { text, truncated } = await readCapped(res, MAX_RESPONSE_BODY_BYTES);
  return {
    status: res.status,
    statusText: res.statusText,
    headers: Object.fromEntries(res.headers.entries()),
    body: text,
    bodyTruncated: truncated,
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    ...(traceId ? { traceId } : {}),
  };
}

async function readCapped(res: Response, max: number): Promise<{ text: string; truncated: boolean }> {
  if (!res.body) return { text: "", truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.length > max) {
      chunks.push(value.subarray(0, max - size));
      truncated = true;
      await reader.cancel();
      break;
    }
    chunks.push(value);
    size += value.length;
  }
  return { text: Buffer.concat(chunks).toString("utf8"), truncated };
}

/**
 * A gRPC server is up when it sends its HTTP/2 SETTINGS: the engine's port proxy accepts TCP connections before
 * anything listens, so a bare connect proves nothing.
 */
export function http2Answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const session = connectHttp2(`http://127.0.0.1:${port}`);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      session.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 1000);
    session.once("remoteSettings", () => done(true));
    session.once("error", () => done(false));
    session.once("close", () => done(false));
  });
}
