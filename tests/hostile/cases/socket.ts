// Socket and HTTP abuse: request and Run bursts from one page, a forged Host or Origin (DNS rebinding, another site's
// page), and the headers that keep the playground out of another site's frame.
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import type { HostileCase } from "../support/case";
import { BYSTANDER_LESSON } from "../support/playground";

export const REQUEST_BURST = 300;
export const START_BURST = 20;
const EVIL_HOST = "evil.test:3000";
const EVIL_ORIGIN = "http://evil.test:3000";

/** What the suite's own requests get back (node:http lets a test set Host, which fetch does not). */
function get(port: number, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
    (resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port, path, headers, timeout: 10_000 }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += body.length < 4096 ? d : ""));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on("timeout", () => req.destroy(new Error("no answer within 10 s")));
      req.on("error", reject);
      req.end();
    },
  );
}

/** A websocket upgrade as a browser would send it; returns the status line the server answers with. */
function upgrade(port: number, host: string, origin: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    socket.setTimeout(10_000, () => socket.destroy(new Error("no answer within 10 s")));
    socket.on("connect", () =>
      socket.write(
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n" +
          `Host: ${host}\r\nOrigin: ${origin}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      ),
    );
    socket.on("data", (d) => {
      answer += d.toString("latin1");
      if (answer.includes("\r\n")) {
        socket.destroy();
        resolve(answer.split("\r\n")[0]);
      }
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(answer.split("\r\n")[0] || "(closed without an answer)"));
  });
}

const refusedStatus = (status: number) => status >= 400 && status < 500;

export const socketCases: HostileCase[] = [
  {
    name: `burst of ${REQUEST_BURST} run:request`,
    category: "Socket abuse",
    timeoutMs: 150_000,
    async run(ctx) {
      const client = await ctx.client();
      const started = await client.start(BYSTANDER_LESSON, null);
      ctx.check(started.ok, "Run was refused");
      const stage = await client.waitStage("monolith", ["running", "failed"], 120_000);
      if (stage !== "running" || !client.runId) return ctx.fail(`the learner's own run is ${stage}`);
      const runId = client.runId;
      const results = await Promise.all(
        Array.from({ length: REQUEST_BURST }, (_, i) =>
          client.call(
            "run:request",
            { runId, service: "monolith", method: "GET", path: `/health?burst=${i}`, headers: {} },
            60_000,
          ),
        ),
      );
      const answered = results.filter((r) => r.ok).length;
      ctx.saw(`${answered} of ${REQUEST_BURST} answered`);
      await ctx.expectLine(client, /^\[error [A-Z_]+\] .*(?:too many|rate|slow down|wait|budget)/i, 1_000, "a refusal");
    },
  },
  {
    name: `burst of ${START_BURST} run:start from one page`,
    category: "Socket abuse",
    timeoutMs: 180_000,
    async run(ctx) {
      const client = await ctx.client();
      const results = await Promise.all(
        Array.from({ length: START_BURST }, () =>
          client.call("run:start", { lessonSlug: BYSTANDER_LESSON, files: null }, 120_000),
        ),
      );
      const last = results.filter((r) => r.ok).pop();
      if (last?.ok) {
        client.runId = last.answer.run.runId;
        client.runIds.add(client.runId);
      }
      for (const r of results) if (r.ok) client.runIds.add(r.answer.run.runId);
      ctx.saw(`${results.filter((r) => r.ok).length} of ${START_BURST} started`);
      await ctx.expectLine(
        client,
        /^\[error [A-Z_]+\] .*(?:too many|rate|queue|full|wait|budget)/i,
        1_000,
        "a refusal of the excess starts",
      );
    },
  },
  {
    name: "forged Host / Origin handshake",
    category: "Socket abuse",
    timeoutMs: 60_000,
    async run(ctx) {
      const port = ctx.pg.port;
      const self = `127.0.0.1:${port}`;
      const attempts: [string, () => Promise<string>][] = [
        [
          "socket.io handshake, Host and Origin evil.test",
          async () => {
            const r = await get(port, "/socket.io/?EIO=4&transport=polling", { Host: EVIL_HOST, Origin: EVIL_ORIGIN });
            return `${r.status} ${r.body.trim()}`;
          },
        ],
        [
          "socket.io handshake, Origin evil.test",
          async () => {
            const r = await get(port, "/socket.io/?EIO=4&transport=polling", { Host: self, Origin: EVIL_ORIGIN });
            return `${r.status} ${r.body.trim()}`;
          },
        ],
        ["websocket upgrade, Host and Origin evil.test", () => upgrade(port, EVIL_HOST, EVIL_ORIGIN)],
        ["websocket upgrade, Origin evil.test", () => upgrade(port, self, EVIL_ORIGIN)],
        [
          "lesson page, Host evil.test",
          async () => {
            const r = await get(port, `/lessons/${BYSTANDER_LESSON}`, { Host: EVIL_HOST });
            return `${r.status} ${r.body.trim().slice(0, 160)}`;
          },
        ],
      ];
      for (const [what, attempt] of attempts) {
        const answer = await attempt().catch((err: Error) => `error ${err.message}`);
        const status = Number(/^(?:HTTP\/1\.1 )?(\d{3})/.exec(answer)?.[1] ?? 0);
        ctx.check(refusedStatus(status), `${what} was not refused: ${answer.slice(0, 200)}`);
        if (refusedStatus(status)) ctx.saw(`${what}: ${answer.slice(0, 100)}`);
      }
      // The one the learner (or the victim's browser) would read: the page refused under a foreign name.
      const page = await get(port, `/lessons/${BYSTANDER_LESSON}`, { Host: EVIL_HOST });
      ctx.check(
        /host|origin|not allowed|forbidden|misdirected/i.test(page.body),
        `the refusal does not say why: ${page.body.slice(0, 200)}`,
      );
    },
  },
  {
    name: "page headers forbid framing (CSP, X-Frame-Options)",
    category: "Socket abuse",
    timeoutMs: 30_000,
    async run(ctx) {
      const r = await get(ctx.pg.port, `/lessons/${BYSTANDER_LESSON}`, { Host: `127.0.0.1:${ctx.pg.port}` });
      const csp = String(r.headers["content-security-policy"] ?? "");
      const xfo = String(r.headers["x-frame-options"] ?? "");
      ctx.check(r.status === 200, `the page answered ${r.status}`);
      ctx.check(/frame-ancestors 'none'/.test(csp), `no CSP frame-ancestors 'none' (CSP: "${csp}")`);
      ctx.check(/^deny$/i.test(xfo), `no X-Frame-Options: DENY ("${xfo}")`);
      if (/frame-ancestors 'none'/.test(csp)) ctx.saw(`CSP frame-ancestors 'none'; X-Frame-Options: ${xfo || "-"}`);
    },
  },
];
