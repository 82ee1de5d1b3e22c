// Lesson 16.3 against a real Consul agent in the sandbox: instances register and pass, an unhealthy one turns
// critical and drops out of discovery, and a stopped one deregisters itself (long before Consul's 1 m reaper).
import { describe, expect, it } from "vitest";
import { startRun, type RunHandle } from "../../sandbox/index";
import { collect, engine, leftovers, logText, sandboxHooks } from "./helpers";

const SLUG = "service-discovery";
const started = sandboxHooks();

/** One entry of Consul's /v1/health/service/<name>, as much of it as the test reads. */
interface HealthEntry {
  Service: { ID: string; Service: string; Address: string; Port: number };
  Checks: { CheckID: string; ServiceID: string; Status: string }[];
}

async function greeterHealth(run: RunHandle, passingOnly = false): Promise<HealthEntry[]> {
  const res = await run.request({
    service: "consul",
    method: "GET",
    path: `/v1/health/service/greeter${passingOnly ? "?passing=true" : ""}`,
  });
  expect(res.status).toBe(200);
  return JSON.parse(res.body) as HealthEntry[];
}

/** The status of the instance's own check (not the node's serf check), or "gone" when it is not registered. */
function checkStatus(entries: HealthEntry[], id: string): string {
  const entry = entries.find((e) => e.Service.ID === id);
  return entry?.Checks.find((c) => c.ServiceID === id)?.Status ?? "gone";
}

/** Asks Consul every 250 ms until the instance's check has this status; fails after timeoutMs. */
async function waitForStatus(run: RunHandle, id: string, want: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  let last = "";
  while (Date.now() - started < timeoutMs) {
    last = checkStatus(await greeterHealth(run), id);
    if (last === want) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${id} is still ${last} after ${timeoutMs} ms, expected ${want}`);
}

describe("lesson 16.3 with a real Consul agent", () => {
  it("registers, turns critical when unhealthy, recovers, and deregisters on SIGTERM", async () => {
    const t0 = Date.now();
    const run = await startRun(SLUG, null, { owner: "it-service-discovery" });
    started.push(run);
    const events = collect(run);
    await run.whenAllRunning();
    console.log(`${SLUG}: all services running ${Date.now() - t0} ms after Run`);

    // Consul dev mode fits the sandbox's limits (512 MiB, 256 processes) with room to spare.
    const stats = (await engine.getContainer(`playground-${run.id}-consul`).stats({ stream: false })) as {
      memory_stats: { usage?: number };
      pids_stats: { current?: number };
    };
    const mib = (stats.memory_stats.usage ?? 0) / 1024 / 1024;
    console.log(`${SLUG}: consul uses ${mib.toFixed(0)} MiB and ${stats.pids_stats.current} processes/threads`);
    expect(mib).toBeLessThan(384);
    expect(stats.pids_stats.current ?? 0).toBeLessThan(192);

    // The agent is the real one, in the version the image builds.
    const self = await run.request({ service: "consul", method: "GET", path: "/v1/agent/self" });
    expect(self.status).toBe(200);
    expect(JSON.parse(self.body)).toMatchObject({ Config: { Version: "1.15.7" } });

    // Both instances registered themselves with a container address and an HTTP check that passes.
    const entries = await greeterHealth(run);
    expect(entries.map((e) => e.Service.ID).sort()).toEqual(["greeter-1", "greeter-2"]);
    for (const e of entries) {
      expect(e.Service.Service).toBe("greeter");
      expect(e.Service.Address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(e.Service.Address).not.toBe("127.0.0.1");
      expect(e.Service.Port).toBe(8080);
      expect(checkStatus(entries, e.Service.ID)).toBe("passing");
    }

    // Unhealthy: the next check (every 2 s) answers 503 and Consul marks the instance critical.
    const flip = await run.request({
      service: "greeter-2",
      method: "POST",
      path: "/admin/health",
      headers: { "Content-Type": "application/json" },
      body: '{"healthy":false}',
    });
    expect(flip.status).toBe(200);
    const tookCritical = await waitForStatus(run, "greeter-2", "critical", 10_000);
    console.log(`${SLUG}: greeter-2 critical in Consul ${tookCritical} ms after it started failing its check`);
    expect((await greeterHealth(run, true)).map((e) => e.Service.ID)).toEqual(["greeter-1"]);
    const call = await run.request({ service: "client", method: "GET", path: "/call" });
    expect(call.status).toBe(200);
    expect(JSON.parse(call.body)).toMatchObject({ instance: "greeter-1", healthy_instances: 1 });

    // Healthy again: passing after the next successful check, and discoverable again.
    await run.request({
      service: "greeter-2",
      method: "POST",
      path: "/admin/health",
      headers: { "Content-Type": "application/json" },
      body: '{"healthy":true}',
    });
    await waitForStatus(run, "greeter-2", "passing", 10_000);
    expect((await greeterHealth(run, true)).length).toBe(2);

    // Stop from the page (SIGTERM, as docker stop) makes greeter-1 deregister before it exits: gone at once, not
    // after the 1 m DeregisterCriticalServiceAfter that only covers instances that die without a word.
    await run.stopService("greeter-1");
    const tookGone = await waitForStatus(run, "greeter-1", "gone", 10_000);
    console.log(`${SLUG}: greeter-1 gone from Consul ${tookGone} ms after its stop returned`);
    expect(logText(events, "greeter-1")).toMatch(/deregistered greeter-1/);
    expect(await engine.listContainers({ all: true, filters: { name: [`playground-${run.id}-greeter-1`] } })).toEqual(
      [],
    );
    const after = await run.request({ service: "client", method: "GET", path: "/call" });
    expect(JSON.parse(after.body)).toMatchObject({ instance: "greeter-2", healthy_instances: 1 });

    // Restarted from the page: a new container registers again and is discovered once its check passes.
    await run.restartService("greeter-1");
    await run.whenAllRunning();
    await waitForStatus(run, "greeter-1", "passing", 10_000);
    expect((await greeterHealth(run, true)).length).toBe(2);

    await run.stop();
    expect(await leftovers(run.id)).toEqual({ containers: 0, networks: 0 });
  });
});
