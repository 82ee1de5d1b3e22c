// The kubectl proxy of a cluster run's shell against a stand-in API server: it sends the shell's token and nothing of
// the learner's credentials, refuses other namespaces without asking the server, and holds its bounds (streams in
// flight, body size); upgrades (port-forward) pass both ways; close() ends everything.
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KubeApiProxy } from "../../sandbox/k8s/api-proxy";
import { KUBE_PROXY_MAX_BODY_BYTES, KUBE_PROXY_MAX_IN_FLIGHT } from "../../sandbox/limits";

const NS = "pg-kubernetes-0123456789";

interface Seen {
  method?: string;
  url?: string;
  headers: http.IncomingHttpHeaders;
}

let dir: string;
let socket: string;
let upstream: http.Server;
let seen: Seen[];
let held: http.ServerResponse[];
let upgraded: net.Socket[];
let proxy: KubeApiProxy;

function request(
  method: string,
  target: string,
  opts: { headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, method, path: target, headers: opts.headers }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.on("socket", (s: net.Socket) => s.on("error", () => {}));
    req.end(opts.body);
  });
}

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "pg-kube-proxy-"));
  socket = path.join(dir, "api.sock");
  seen = [];
  held = [];
  upgraded = [];
  upstream = http.createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, headers: req.headers });
    if (req.url?.includes("watch=true")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"type":"ADDED"}\n');
      held.push(res);
      return;
    }
    // As the API server does: the whole body is read before the answer.
    req.resume();
    req.on("error", () => {});
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ kind: "PodList", items: [] }));
    });
  });
  upstream.on("upgrade", (req: http.IncomingMessage, sock: net.Socket) => {
    seen.push({ method: req.method, url: req.url, headers: req.headers });
    sock.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    upgraded.push(sock);
    sock.on("error", () => {});
    sock.on("data", (d: Buffer) => sock.write(`echo:${d.toString()}`));
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  const port = (upstream.address() as AddressInfo).port;
  proxy = new KubeApiProxy({
    namespace: NS,
    target: { server: new URL(`http://127.0.0.1:${port}`) },
    token: async () => "shell-token",
  });
  await proxy.listen(socket);
});

afterEach(async () => {
  await proxy.close();
  for (const r of held) r.destroy();
  for (const s of upgraded) s.destroy();
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

describe("KubeApiProxy", () => {
  it("passes the run's namespace on with the shell's token in place of anything the learner sent", async () => {
    const answer = await request("GET", `/api/v1/namespaces/${NS}/pods?limit=500`, {
      headers: {
        authorization: "Bearer learners-guess",
        "impersonate-user": "system:admin",
        "impersonate-group": "system:masters",
        "user-agent": "kubectl/v1.37.2",
      },
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ kind: "PodList" });
    expect(seen).toHaveLength(1);
    expect(seen[0].url).toBe(`/api/v1/namespaces/${NS}/pods?limit=500`);
    expect(seen[0].headers.authorization).toBe("Bearer shell-token");
    expect(seen[0].headers["impersonate-user"]).toBeUndefined();
    expect(seen[0].headers["impersonate-group"]).toBeUndefined();
    expect(seen[0].headers["user-agent"]).toBe("kubectl/v1.37.2");
  });

  it("refuses another namespace and the cluster's own paths with a Status, never asking the API server", async () => {
    for (const target of ["/api/v1/namespaces/kube-system/secrets", "/api/v1/nodes", `/api/v1/namespaces/${NS}/../x`]) {
      const answer = await request("GET", target);
      expect(answer.status, target).toBe(403);
      expect(JSON.parse(answer.body)).toMatchObject({ kind: "Status", reason: "Forbidden", code: 403 });
    }
    expect(seen).toEqual([]);
    expect(proxy.refused.path).toBe(3);
  });

  it("refuses a body past its bound, declared or streamed", async () => {
    const big = "x".repeat(KUBE_PROXY_MAX_BODY_BYTES + 1);
    const declared = await request("PATCH", `/apis/apps/v1/namespaces/${NS}/deployments/web/scale`, {
      headers: { "content-type": "application/merge-patch+json" },
      body: big,
    });
    expect(declared.status).toBe(413);
    const streamed = await new Promise<number>((resolve) => {
      const req = http.request(
        { socketPath: socket, method: "PATCH", path: `/apis/apps/v1/namespaces/${NS}/deployments/web/scale` },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", () => resolve(-1));
      // The proxy answers and closes while this side still writes: its socket's EPIPE is expected.
      req.on("socket", (s: net.Socket) => s.on("error", () => {}));
      // Chunked: no length to refuse up front.
      for (let i = 0; i < 5; i++) req.write("y".repeat(KUBE_PROXY_MAX_BODY_BYTES / 4));
      req.end();
    });
    expect([413, 502, -1]).toContain(streamed);
    expect(proxy.refused.body).toBeGreaterThanOrEqual(1);
  });

  it("holds at most its bound of streams open, then says 429", async () => {
    const open: http.ClientRequest[] = [];
    for (let i = 0; i < KUBE_PROXY_MAX_IN_FLIGHT; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = http.request({
          socketPath: socket,
          path: `/api/v1/namespaces/${NS}/pods?watch=true`,
          agent: false,
        });
        req.on("response", () => resolve());
        req.on("error", reject);
        req.end();
        open.push(req);
      });
    }
    const over = await request("GET", `/api/v1/namespaces/${NS}/pods?watch=true`);
    expect(over.status).toBe(429);
    expect(JSON.parse(over.body)).toMatchObject({ reason: "TooManyRequests" });
    // One ends: room for the next.
    open.pop()!.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const next = await new Promise<number>((resolve) => {
      const req = http.request({ socketPath: socket, path: `/api/v1/namespaces/${NS}/pods`, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.end();
    });
    expect(next).toBe(200);
    for (const r of open) r.destroy();
  });

  it("carries an upgrade both ways, and refuses one of another namespace", async () => {
    const talk = (target: string): Promise<string> =>
      new Promise((resolve) => {
        const s = net.connect(socket);
        let got = "";
        let pinged = false;
        s.on("error", () => {});
        s.on("data", (d: Buffer) => {
          got += d.toString();
          if (!pinged && got.startsWith("HTTP/1.1 101") && got.includes("\r\n\r\n")) {
            pinged = true;
            s.write("ping");
          }
        });
        const done = (): void => {
          s.destroy();
          resolve(got);
        };
        s.on("data", () => {
          if (got.includes("echo:ping") || /^HTTP\/1.1 403[^]*\r\n\r\n[^]*\}/.test(got)) done();
        });
        s.on("close", done);
        s.write(
          `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
            "Sec-WebSocket-Key: a2V5\r\nSec-WebSocket-Version: 13\r\nImpersonate-User: admin\r\n\r\n",
        );
      });
    const ours = await talk(`/api/v1/namespaces/${NS}/pods/web-1/portforward?ports=8080`);
    expect(ours).toMatch(/^HTTP\/1.1 101/);
    expect(ours).toContain("echo:ping");
    expect(seen[0].headers.authorization).toBe("Bearer shell-token");
    expect(seen[0].headers["impersonate-user"]).toBeUndefined();
    const theirs = await talk("/api/v1/namespaces/other/pods/web-1/portforward?ports=8080");
    expect(theirs).toMatch(/^HTTP\/1.1 403/);
    expect(seen).toHaveLength(1);
  });

  it("ends every stream and stops answering when closed", async () => {
    const ended = new Promise<void>((resolve) => {
      const req = http.request({ socketPath: socket, path: `/api/v1/namespaces/${NS}/pods?watch=true` }, (res) => {
        res.resume();
        res.on("close", () => resolve());
      });
      req.on("error", () => resolve());
      req.end();
    });
    await new Promise((r) => setTimeout(r, 100));
    await proxy.close();
    await ended;
    await expect(request("GET", "/api")).rejects.toThrow();
  });
});
