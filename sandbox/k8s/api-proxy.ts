// kubectl's way out of a run's shell: an HTTP server on a unix socket (bind-mounted into the shell container, where a
// forwarder makes it 127.0.0.1:<port>) that passes each request on to the API server over TLS with the shell's own
// ServiceAccount token. The learner never holds a credential: they hold a socket that only this run's namespace and
// API discovery answer through (api-paths.ts), and RBAC bounds the token behind it. No network path from a container
// to the host is opened. Bounded per shell: requests in flight, requests a second, bytes a second, body and headers.
import { chmod } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import type { Duplex } from "node:stream";
import { pipeline, Transform } from "node:stream";
import {
  KUBE_PROXY_BYTES_PER_SECOND,
  KUBE_PROXY_MAX_BODY_BYTES,
  KUBE_PROXY_MAX_CONNECTIONS,
  KUBE_PROXY_MAX_HEADER_BYTES,
  KUBE_PROXY_MAX_IN_FLIGHT,
  KUBE_PROXY_REQUEST_BURST,
  KUBE_PROXY_REQUEST_TIMEOUT_MS,
  KUBE_PROXY_REQUESTS_PER_SECOND,
} from "../limits";
import { allowApiRequest, forwardedHeaders, statusBody } from "./api-paths";

/** Where the API server is, and how its certificate is checked (never the admin's client certificate). */
export interface ApiServerTarget {
  server: URL;
  ca?: string | Buffer;
  insecureSkipVerify?: boolean;
  serverName?: string;
}

export interface KubeApiProxyOptions {
  namespace: string;
  target: ApiServerTarget;
  /** A current token of the shell's ServiceAccount (renewed by the caller before it expires). */
  token: () => Promise<string>;
}

/** Hop-by-hop headers of an answer: Node sets its own. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"]);
/** The most of a refused upgrade's answer that is passed back (a Status of a few hundred bytes). */
const MAX_REFUSAL_BYTES = 64 * 1024;

/** A token bucket: `rate` a second, at most `burst` saved up. */
export class TokenBucket {
  private tokens: number;
  private last = Date.now();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  private refill(): void {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
  }

  /** Takes one if there is one. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Takes `n` (running into debt if need be): milliseconds to wait until the debt is paid. */
  take(n: number): number {
    this.refill();
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.rate);
  }
}

/** Passes bytes on no faster than the bucket allows; backpressure holds the source meanwhile. */
function throttle(bucket: TokenBucket): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      const wait = bucket.take(chunk.length);
      if (wait > 0) setTimeout(() => done(null, chunk), wait);
      else done(null, chunk);
    },
  });
}

/** A watch, a followed log or a stream upgrade: answered for as long as it lasts, not within a timeout. */
function isStream(target: string): boolean {
  const query = new URLSearchParams(target.split("?")[1] ?? "");
  return ["true", "1"].includes(query.get("watch") ?? "") || query.get("follow") === "true";
}

/** An answer written straight onto a socket that was to be upgraded (and is not). */
function rawResponse(code: number, text: string, headers: Record<string, string>, body: string | Buffer): Buffer {
  const head = Object.entries({ ...headers, "content-length": String(Buffer.byteLength(body)), connection: "close" })
    .map(([k, v]) => `${k}: ${v}`)
    .join("\r\n");
  return Buffer.concat([
    Buffer.from(`HTTP/1.1 ${code} ${text.replace(/[\r\n]/g, "")}\r\n${head}\r\n\r\n`),
    Buffer.from(body),
  ]);
}

export class KubeApiProxy {
  private readonly server: http.Server;
  private readonly agent: http.Agent;
  /** https to a real API server; plain http only for a test's stand-in. */
  private readonly client: typeof https | typeof http;
  private readonly requests = new TokenBucket(KUBE_PROXY_REQUESTS_PER_SECOND, KUBE_PROXY_REQUEST_BURST);
  private readonly bytes = new TokenBucket(KUBE_PROXY_BYTES_PER_SECOND, KUBE_PROXY_BYTES_PER_SECOND);
  private readonly streams = new Set<Duplex>();
  private inFlight = 0;
  private closed = false;
  /** Counts of what was refused, for tests and the log. */
  readonly refused = { path: 0, busy: 0, rate: 0, body: 0 };

  constructor(private readonly opts: KubeApiProxyOptions) {
    const t = opts.target;
    const plain = t.server.protocol === "http:";
    this.client = plain ? http : https;
    this.agent = plain
      ? new http.Agent({ keepAlive: true, maxSockets: KUBE_PROXY_MAX_IN_FLIGHT })
      : new https.Agent({
          keepAlive: true,
          maxSockets: KUBE_PROXY_MAX_IN_FLIGHT,
          ca: t.ca,
          rejectUnauthorized: !t.insecureSkipVerify,
          servername: t.serverName,
        });
    this.server = http.createServer({ maxHeaderSize: KUBE_PROXY_MAX_HEADER_BYTES }, (req, res) => {
      void this.handle(req, res);
    });
    this.server.maxConnections = KUBE_PROXY_MAX_CONNECTIONS;
    this.server.headersTimeout = 10_000;
    this.server.keepAliveTimeout = 5_000;
    this.server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.upgrade(req, socket, head);
    });
    this.server.on("clientError", (_err, socket: Duplex) => socket.destroy());
  }

  /** Listens on `socketPath`, which the shell's user (another uid in the container) may connect to. */
  async listen(socketPath: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(socketPath, () => resolve());
    });
    await chmod(socketPath, 0o666);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams) s.destroy();
    this.streams.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.agent.destroy();
  }

  /** The API server's URL for a request target (under the server's own path, for a cluster behind a gateway). */
  private upstreamUrl(target: string): URL {
    const server = this.opts.target.server;
    return new URL(server.pathname.replace(/\/$/, "") + target, server);
  }

  /** Path, in-flight and rate checks shared by plain requests and upgrades; a refusal's status and Status body. */
  private admit(req: http.IncomingMessage): { ok: true; target: string } | { ok: false; code: number; body: string } {
    const decision = allowApiRequest(req.method ?? "", req.url ?? "", this.opts.namespace);
    if (!decision.ok) {
      this.refused.path++;
      return { ok: false, code: 403, body: statusBody(403, "Forbidden", `playground: ${decision.reason}`) };
    }
    if (this.inFlight >= KUBE_PROXY_MAX_IN_FLIGHT) {
      this.refused.busy++;
      const message = `playground: ${KUBE_PROXY_MAX_IN_FLIGHT} requests or streams of this shell are open already`;
      return { ok: false, code: 429, body: statusBody(429, "TooManyRequests", message) };
    }
    if (!this.requests.tryTake()) {
      this.refused.rate++;
      const message = `playground: more than ${KUBE_PROXY_REQUESTS_PER_SECOND} requests a second from this shell`;
      return { ok: false, code: 429, body: statusBody(429, "TooManyRequests", message) };
    }
    if (Number(req.headers["content-length"] ?? 0) > KUBE_PROXY_MAX_BODY_BYTES) {
      this.refused.body++;
      return { ok: false, code: 413, body: statusBody(413, "RequestEntityTooLarge", "playground: request too large") };
    }
    return { ok: true, target: decision.target };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const refuse = (code: number, body: string): void => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(code, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
      req.resume();
    };
    const admitted = this.admit(req);
    if (!admitted.ok) return refuse(admitted.code, admitted.body);
    this.inFlight++;
    let counted = true;
    const release = (): void => {
      if (counted) this.inFlight--;
      counted = false;
    };
    res.on("close", release);
    let token: string;
    try {
      token = await this.opts.token();
    } catch (err) {
      release();
      return refuse(503, statusBody(503, "ServiceUnavailable", `playground: no token: ${(err as Error).message}`));
    }
    if (this.closed || res.destroyed) return release();
    const url = this.upstreamUrl(admitted.target);
    const upstream = this.client.request(
      url,
      {
        method: req.method,
        agent: this.agent,
        headers: { ...forwardedHeaders(req.headers, false), authorization: `Bearer ${token}` },
      },
      (answer) => {
        const headers: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(answer.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
        res.writeHead(answer.statusCode ?? 502, headers);
        pipeline(answer, throttle(this.bytes), res, () => {});
      },
    );
    if (!isStream(admitted.target))
      upstream.setTimeout(KUBE_PROXY_REQUEST_TIMEOUT_MS, () => upstream.destroy(new Error("timed out")));
    upstream.on("error", (err) =>
      refuse(502, statusBody(502, "ServiceUnavailable", `playground: the API server: ${err.message}`)),
    );
    // The shell's side went away (kubectl ended a watch): the stream to the API server ends too.
    res.on("close", () => upstream.destroy());
    let received = 0;
    const bounded = new Transform({
      transform(chunk: Buffer, _enc, done) {
        received += chunk.length;
        if (received > KUBE_PROXY_MAX_BODY_BYTES) done(new Error("request body too large"));
        else done(null, chunk);
      },
    });
    pipeline(req, bounded, throttle(this.bytes), upstream, (err) => {
      if (err && received > KUBE_PROXY_MAX_BODY_BYTES) {
        this.refused.body++;
        refuse(413, statusBody(413, "RequestEntityTooLarge", "playground: request too large"));
      }
    });
  }

  /** A stream upgrade (port-forward): the API server's 101 and then bytes both ways, throttled like the rest. */
  private async upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on("error", () => socket.destroy());
    const admitted = this.admit(req);
    if (!admitted.ok) {
      socket.end(rawResponse(admitted.code, "Refused", { "content-type": "application/json" }, admitted.body));
      return;
    }
    this.inFlight++;
    this.streams.add(socket);
    let counted = true;
    socket.on("close", () => {
      this.streams.delete(socket);
      if (counted) this.inFlight--;
      counted = false;
    });
    let token: string;
    try {
      token = await this.opts.token();
    } catch (err) {
      const body = statusBody(503, "ServiceUnavailable", `playground: no token: ${(err as Error).message}`);
      socket.end(rawResponse(503, "Service Unavailable", { "content-type": "application/json" }, body));
      return;
    }
    if (this.closed || socket.destroyed) return void socket.destroy();
    const t = this.opts.target;
    const upstream = this.client.request(this.upstreamUrl(admitted.target), {
      method: req.method,
      // A connection of its own: an upgraded socket never goes back to a pool.
      agent: false,
      ca: t.ca,
      rejectUnauthorized: !t.insecureSkipVerify,
      servername: t.serverName,
      headers: { ...forwardedHeaders(req.headers, true), authorization: `Bearer ${token}` },
    });
    upstream.setTimeout(KUBE_PROXY_REQUEST_TIMEOUT_MS, () => upstream.destroy(new Error("timed out")));
    upstream.on("upgrade", (answer, upSocket: Duplex, upHead: Buffer) => {
      upstream.setTimeout(0);
      this.streams.add(upSocket);
      upSocket.on("close", () => {
        this.streams.delete(upSocket);
        socket.destroy();
      });
      upSocket.on("error", () => upSocket.destroy());
      socket.on("close", () => upSocket.destroy());
      if (socket.destroyed) return void upSocket.destroy();
      const lines = [`HTTP/1.1 101 ${answer.statusMessage ?? "Switching Protocols"}`];
      for (let i = 0; i < answer.rawHeaders.length; i += 2)
        lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`);
      socket.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (upHead.length) socket.write(upHead);
      if (head.length) upSocket.write(head);
      pipeline(upSocket, throttle(this.bytes), socket, () => socket.destroy());
      pipeline(socket, throttle(this.bytes), upSocket, () => upSocket.destroy());
    });
    upstream.on("response", (answer) => {
      // Not upgraded (RBAC's 403, a missing pod's 404): its answer goes back as it is, and the socket closes.
      const chunks: Buffer[] = [];
      let size = 0;
      answer.on("data", (c: Buffer) => {
        if (size < MAX_REFUSAL_BYTES) chunks.push(c);
        size += c.length;
      });
      answer.on("end", () => {
        const type = String(answer.headers["content-type"] ?? "text/plain");
        const body = Buffer.concat(chunks).subarray(0, MAX_REFUSAL_BYTES);
        socket.end(rawResponse(answer.statusCode ?? 502, answer.statusMessage ?? "", { "content-type": type }, body));
      });
    });
    upstream.on("error", (err) => {
      const body = statusBody(502, "ServiceUnavailable", `playground: the API server: ${err.message}`);
      if (!socket.destroyed) socket.end(rawResponse(502, "Bad Gateway", { "content-type": "application/json" }, body));
    });
    upstream.end();
  }
}
