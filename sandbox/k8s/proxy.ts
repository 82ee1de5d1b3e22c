// The request panel's way to a Kubernetes Service: one port on 127.0.0.1 that sends each HTTP request to the
// Service's ClusterIP over a connection of its own, so kube-proxy picks a ready pod for every request (the panel's
// fetch would otherwise keep one connection, and so one pod, for all of them).
import http from "node:http";
import type { AddressInfo } from "node:net";

export class ClusterServiceProxy {
  private readonly server: http.Server;
  private readonly agent = new http.Agent({ keepAlive: false });

  constructor(
    readonly name: string,
    private readonly clusterIP: string,
    private readonly port: number,
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
    const upstream = http.request(
      {
        host: this.clusterIP,
        port: this.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: this.agent,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.statusMessage, up.headers);
        up.pipe(res);
      },
    );
    upstream.setTimeout(30_000, () => upstream.destroy(new Error("timed out")));
    upstream.on("error", (err) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // Connection refused: no ready endpoint (kube-proxy rejects), or the pod it picked is gone.
      const body = `Service ${this.name} (${this.clusterIP}:${this.port}) did not answer: ${err.message}\n`;
      res.writeHead(503, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
      res.end(body);
    });
    req.pipe(upstream);
  }
}
