// The canary: an HTTP server the hostile code tries to reach. It listens on every local address (127.0.0.1 for the
// engine's own fetches, and a run's bridge gateway for a sandbox's), answers anything, and records every connection.
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface CanaryHit {
  at: number;
  from: string;
  /** The request line, when the connection got as far as one (a TLS hello or a bare dial does not). */
  request?: string;
}

export class Canary {
  readonly hits: CanaryHit[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  port = 0;

  private constructor() {
    this.server = createServer((req, res) => {
      const from = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
      const hit = this.hits.findLast((h) => h.from === from);
      if (hit) hit.request = `${req.method} ${req.url} (Host: ${req.headers.host ?? "-"})`;
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("canary\n");
    });
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
      this.hits.push({ at: Date.now(), from: `${socket.remoteAddress}:${socket.remotePort}` });
    });
  }

  static async start(): Promise<Canary> {
    const canary = new Canary();
    // Listening on every address is what makes a missing firewall rule visible: a sandbox that reaches its gateway
    // would get an answer, and be recorded. The suite itself only ever dials 127.0.0.1.
    await new Promise<void>((resolve) => canary.server.listen(0, "0.0.0.0", resolve));
    canary.port = (canary.server.address() as AddressInfo).port;
    return canary;
  }

  since(at: number): CanaryHit[] {
    return this.hits.filter((h) => h.at >= at);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
