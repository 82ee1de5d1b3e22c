// Against the real server: forged Host and Origin are refused for pages, socket.io polling and its websocket; a
// flood of socket events is answered RATE_LIMITED without slowing another learner.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io, type Socket } from "socket.io-client";
import { buildIfNeeded, startServer, stopServer, type Server } from "../e2e/harness";

const PORT = Number(process.env.IT_GUARD_PORT ?? 3951);
let server: Server | undefined;

beforeAll(async () => {
  buildIfNeeded();
  // No engine: this file is about the web side; the server must not start an image build here.
  server = await startServer(PORT, { DOCKER_HOST: "unix:///nonexistent/docker.sock" });
});
afterAll(() => stopServer(server));

function get(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: PORT, path, headers }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

function connect(
  headers: Record<string, string> = {},
  clientId = `it-guard-${Math.random().toString(36).slice(2, 12)}`,
): Socket {
  return io(`http://127.0.0.1:${PORT}`, {
    transports: ["websocket"],
    extraHeaders: headers,
    auth: { clientId },
    reconnection: false,
    forceNew: true,
  });
}

function outcome(socket: Socket): Promise<"connected" | string> {
  return new Promise((resolve) => {
    socket.once("connect", () => resolve("connected"));
    socket.once("connect_error", (err) => resolve(`refused: ${err.message}`));
  });
}

describe("Host and Origin allow-list", () => {
  it("serves the page to an allowed Host with the security headers", async () => {
    const res = await get("/", { Host: `localhost:${PORT}` });
    expect(res.status).toBe(200);
    expect(res.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(res.headers["x-frame-options"]).toBe("DENY");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.body).toMatch(/<script[^>]+nonce="/);
  });

  it("refuses a page and socket.io polling under a rebinding page's name with 421", async () => {
    for (const path of [
      "/",
      "/lessons/monolith-vs-microservices",
      "/_next/static/none.js",
      "/socket.io/?EIO=4&transport=polling",
    ]) {
      const res = await get(path, { Host: `evil.test:${PORT}`, Origin: `http://evil.test:${PORT}` });
      expect(res.status, path).toBe(421);
      expect(res.body).toContain('does not answer to the name "evil.test');
      expect(res.body.length).toBeLessThan(300);
    }
  });

  it("refuses another site's Origin with an allowed Host with 403", async () => {
    const res = await get("/socket.io/?EIO=4&transport=polling", {
      Host: `127.0.0.1:${PORT}`,
      Origin: "http://evil.test",
    });
    expect(res.status).toBe(403);
  });

  it("refuses a socket.io websocket handshake with forged Host and Origin, accepts a legitimate one", async () => {
    const forged = connect({ Host: `evil.test:${PORT}`, Origin: `http://evil.test:${PORT}` });
    expect(await outcome(forged)).toMatch(/^refused/);
    forged.close();
    const otherSite = connect({ Origin: "http://evil.test" });
    expect(await outcome(otherSite)).toMatch(/^refused/);
    otherSite.close();
    const good = connect({ Origin: `http://localhost:${PORT}` });
    const status = new Promise((resolve) => good.once("status", resolve));
    expect(await outcome(good)).toBe("connected");
    expect(await status).toMatchObject({ engine: expect.any(Object) });
    good.close();
  });
});

describe("socket event rate limits", () => {
  it("answers a flood with RATE_LIMITED and leaves another learner's budget alone", async () => {
    const flooder = connect();
    expect(await outcome(flooder)).toBe("connected");
    const answers = await Promise.all(
      Array.from(
        { length: 30 },
        () =>
          flooder.timeout(10_000).emitWithAck("run:stop", {}) as Promise<{
            ok?: true;
            error?: { code: string; hint?: string };
          }>,
      ),
    );
    const ok = answers.filter((a) => a.ok).length;
    const limited = answers.filter((a) => a.error?.code === "RATE_LIMITED");
    expect(ok).toBe(10);
    expect(limited).toHaveLength(20);
    expect(limited[0].error?.hint).toMatch(/Wait \d+ s/);

    const other = connect();
    expect(await outcome(other)).toBe("connected");
    const answer = (await other.timeout(10_000).emitWithAck("run:stop", {})) as { ok?: true };
    expect(answer).toEqual({ ok: true });
    flooder.close();
    other.close();
  });
});
