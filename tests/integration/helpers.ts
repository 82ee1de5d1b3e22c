// Shared by the integration tests: the real engine, the real image, and a look at what is left on the engine.
import path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll } from "vitest";
import { ensureImage, reapOrphans, stopAllRuns, type RunEvent, type RunHandle } from "../../sandbox/index";

export const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/lessons");

/** A separate client, so the checks do not go through the code under test. */
export const engine = new Docker();

export async function leftovers(runId: string): Promise<{ containers: number; networks: number }> {
  const filters = { label: [`playground.run=${runId}`] };
  const containers = await engine.listContainers({ all: true, filters });
  const networks = await engine.listNetworks({ filters });
  return { containers: containers.length, networks: networks.length };
}

/** Containers and networks of every run of one owner, its prepared next run included. */
export async function ownerLeftovers(owner: string): Promise<{ containers: number; networks: number }> {
  const filters = { label: [`playground.owner=${owner}`] };
  const containers = await engine.listContainers({ all: true, filters });
  const networks = await engine.listNetworks({ filters });
  return { containers: containers.length, networks: networks.length };
}

export function collect(run: RunHandle): RunEvent[] {
  const events: RunEvent[] = [];
  run.subscribe((e) => events.push(e));
  return events;
}

export function logText(events: RunEvent[], service?: string): string {
  return events
    .filter((e): e is Extract<RunEvent, { type: "log" }> => e.type === "log" && (!service || e.service === service))
    .map((e) => e.text)
    .join("");
}

export function waitFor(
  events: RunEvent[],
  predicate: (e: RunEvent) => boolean,
  timeoutMs = 60_000,
): Promise<RunEvent> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = setInterval(() => {
      const found = events.find(predicate);
      if (found) {
        clearInterval(tick);
        resolve(found);
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(tick);
        reject(new Error(`timed out after ${timeoutMs} ms; last events: ${JSON.stringify(events.slice(-5))}`));
      }
    }, 50);
  });
}

/**
 * The hooks of a file that starts runs: before, the sandbox image is ready (and with `reap`, what earlier runs left is
 * removed); after, every run pushed onto the returned list is stopped, then any other. Returns that list.
 */
export function sandboxHooks(opts: { reap?: boolean; after?: () => void } = {}): RunHandle[] {
  const started: RunHandle[] = [];
  beforeAll(async () => {
    if (opts.reap) await reapOrphans();
    await ensureImage((line) => console.log(`[image] ${line}`));
  });
  afterAll(async () => {
    opts.after?.();
    await Promise.all(started.map((r) => r.stop()));
    await stopAllRuns();
  });
  return started;
}
