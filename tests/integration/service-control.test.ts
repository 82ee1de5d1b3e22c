// Stopping and restarting one service from the page, against the real engine (lesson 16.4.1).
import { describe, expect, it } from "vitest";
import { startRun } from "../../sandbox/index";
import { collect, engine, leftovers, logText, waitFor, sandboxHooks } from "./helpers";

const SLUG = "http-communication";
const started = sandboxHooks({ reap: true });

async function serviceContainers(runId: string, service: string): Promise<number> {
  const list = await engine.listContainers({
    all: true,
    filters: { label: [`playground.run=${runId}`, `playground.service=${service}`] },
  });
  return list.length;
}

describe("one service of a running lesson", () => {
  it("stops gracefully while the others go on, then comes back on Restart", async () => {
    const r = await startRun(SLUG, null, { owner: "it-service-control" });
    started.push(r);
    const events = collect(r);
    await r.whenAllRunning();
    const demo = await r.request({ service: "client-service", method: "GET", path: "/demo" });
    expect(demo.status).toBe(200);
    const portBefore = r.services().find((s) => s.name === "user-service")!.hostPort;

    await r.stopService("user-service");
    const stages = Object.fromEntries(r.services().map((s) => [s.name, s.stage]));
    expect(stages).toEqual({ "user-service": "stopped", "order-service": "running", "client-service": "running" });
    expect(r.ended).toBe(false);
    expect(await serviceContainers(r.id, "user-service")).toBe(0);
    // The sample shuts down on SIGTERM and exits 0 well within the grace period.
    await waitFor(events, (e) => e.type === "log" && /user-service exited with code 0/.test(e.text), 10_000);
    expect(logText(events, "user-service")).toMatch(/SIGTERM to user-service/);

    // The client now turns the failed call into an answer of its own instead of hanging.
    const without = await r.request({ service: "client-service", method: "GET", path: "/demo" });
    expect(without.status).toBeGreaterThanOrEqual(500);
    expect(without.body).toMatch(/user-service/);
    // Sent to the stopped service itself: the answer says who stopped it and how to bring it back.
    await expect(r.request({ service: "user-service", method: "GET", path: "/health" })).rejects.toMatchObject({
      message: "user-service is stopped: you stopped it from its log pane.",
      hint: expect.stringContaining("Restart"),
    });

    await r.restartService("user-service");
    await r.whenAllRunning();
    const user = r.services().find((s) => s.name === "user-service")!;
    expect(user.stage).toBe("running");
    expect(user.hostPort).toBeDefined();
    expect(user.hostPort).not.toBe(portBefore);
    expect(await serviceContainers(r.id, "user-service")).toBe(1);
    const again = await r.request({ service: "client-service", method: "GET", path: "/demo" });
    expect(again.status, again.body).toBe(200);

    await r.stop();
    expect(await leftovers(r.id)).toEqual({ containers: 0, networks: 0 });
  });

  it("lets a request in flight finish when its service is restarted (graceful shutdown, lesson 16.9)", async () => {
    const r = await startRun("best-practices", null, { owner: "it-service-control" });
    started.push(r);
    const events = collect(r);
    await r.whenAllRunning();
    const slow = await r.request({
      service: "inventory-service",
      method: "POST",
      path: "/admin/delay",
      headers: { "Content-Type": "application/json" },
      body: '{"ms":4000}',
    });
    expect(slow.status).toBe(200);
    const inFlight = r.request({ service: "inventory-service", method: "GET", path: "/items/1" });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const t0 = Date.now();
    await r.restartService("inventory-service");
    const answered = await inFlight;
    expect(answered.status, answered.body).toBe(200);
    expect(answered.durationMs).toBeGreaterThan(3500);
    // The old process waited for the request (not the 10 s grace period) and said so on its way out.
    expect(Date.now() - t0).toBeLessThan(9000);
    const log = logText(events, "inventory-service");
    expect(log).toMatch(/stop signal received: readiness is now false/);
    expect(log).toMatch(/all in-flight requests finished; bye/);
    expect(log).toMatch(/inventory-service exited with code 0/);
    await r.whenAllRunning();
    // A new process: the injected delay was the old one's state.
    const fresh = await r.request({ service: "inventory-service", method: "GET", path: "/items/1" });
    expect(fresh.status).toBe(200);
    expect(fresh.durationMs).toBeLessThan(1000);
    await r.stop();
  });

  it("restarts a running service in place, and a run whose every service is stopped ends", async () => {
    const r = await startRun("monolith-vs-microservices", null, { owner: "it-service-control" });
    started.push(r);
    const events = collect(r);
    await r.whenAllRunning();
    await r.restartService("monolith");
    await r.whenAllRunning();
    expect(r.ended).toBe(false);
    // A second start of the same code is reported as such, and the old container's exit too.
    expect(logText(events, "monolith")).toMatch(/starting monolith again with this Run's files/);
    expect(logText(events, "monolith")).toMatch(/monolith exited with code \d+/);
    expect((await r.request({ service: "monolith", method: "GET", path: "/users" })).status).toBe(200);

    await expect(r.restartService("nope")).rejects.toThrow(/no service "nope"/);
    await r.stopService("monolith");
    await r.stopService("user-service");
    await waitFor(events, (e) => e.type === "ended", 15_000);
    expect(events.find((e) => e.type === "ended")).toMatchObject({ reason: "stopped" });
    await expect(r.restartService("monolith")).rejects.toThrow(/run has ended/);
    expect(await leftovers(r.id)).toEqual({ containers: 0, networks: 0 });
  });
});
