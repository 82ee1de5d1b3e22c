// A Kubernetes Service of the local rendition: one port on 127.0.0.1 that forwards each HTTP request to the next
// ready endpoint (round-robin), or answers 503 "no ready endpoints" when there is none.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { RoundRobin } from "./model";

export interface Endpoint {
  /** The pod's name, sent back in a response header so the learner sees who answered. */
  pod: string;
  port: number;
}

export class ServiceProxy {
  private readonly server: http.Server;
  private readonly rr = new RoundRobin<Endpoint>();
  private readonly agent = new http.Agent({ keepAlive: false });

  constructor(
    readonly name: string,
    private readonly endpoints: () => Endpoint[],
  ) {
    this.server = http.createServer((req, res) => this.forward(req, res));
    // Idle browser connections must not keep the run's stop waiting.
    this.server.keepAliveTimeout = 1000;
  }

  /** Listens on a free port of 127.0.0.1 and returns it. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => resolve((this.server.address() as AddressInfo).port));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      this.agent.destroy();
    });
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    // Per request, not per connection: kube-proxy balances connections, but a panel that reuses one connection
    // would then always meet the same pod, and round-robin is what this lesson shows.
    const target = this.rr.pick(this.endpoints());
    if (!target) {
      const body = `no ready endpoints for service ${this.name}\n`;
      res.writeHead(503, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
      res.end(body);
      req.resume();
      return;
    }
    const upstream = http.request(
      {
        host: "127.0.0.1",
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: this.agent,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.statusMessage, { ...up.headers, "x-playground-pod": target.pod });
        up.pipe(res);
      },
    );
    upstream.setTimeout(30_000, () => upstream.destroy(new Error("timed out")));
    upstream.on("error", (err) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const body = `service ${this.name}: pod ${target.pod} did not answer (${err.message})\n`;
      res.writeHead(502, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
      res.end(body);
    });
    req.pipe(upstream);
  }
}
