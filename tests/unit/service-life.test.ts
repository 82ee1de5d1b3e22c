// A service's life and a run's end, on a fake engine that answers as Docker does: exits, the out-of-memory kill,
// files on stdin, the order things are made and given back in.
import { afterEach, describe, expect, it } from "vitest";
import { Run } from "@/sandbox/run";
import { DEFAULT_LIMITS } from "@/sandbox/limits";
import { Lifetime, RunEnded } from "@/sandbox/lifetime";
import type { LoadedLesson, RunEvent } from "@/sandbox/types";
import { FakeEngine, recorded } from "./support/fake-engine";

const P = "@@playground:";

const lesson = {
  slug: "life",
  dir: "/nowhere",
  text: { zh: "", en: "" },
  files: {},
  manifest: {
    services: [
      { name: "api", dir: "services/api", port: 8080, protocol: "http", env: { GREETING: "hi" }, dependsOn: [] },
      { name: "worker", dir: "services/worker", port: 8081, protocol: "http", env: {}, dependsOn: [] },
    ],
  },
} as unknown as LoadedLesson;

const runs: Run[] = [];
afterEach(async () => {
  await Promise.all(runs.splice(0).map((r) => r.stop()));
});

async function started(files: Record<string, string> = { "services/api/main.go": "package main\n" }) {
  const engine = new FakeEngine();
  const run = new Run("r-life", lesson, "owner", DEFAULT_LIMITS, engine.backend());
  runs.push(run);
  const events: RunEvent[] = [];
  run.subscribe((e) => events.push(e));
  await run.start("sandbox:test", files);
  const stageOf = (name: string) => run.services().find((s) => s.name === name)?.stage;
  const system = (name: string) =>
    events
      .filter((e) => e.type === "log" && e.stream === "system" && e.service === name)
      .map((e) => (e.type === "log" ? e.text : ""))
      .join("");
  const ended = () => events.find((e) => e.type === "ended");
  return { engine, run, events, stageOf, system, ended, api: engine.container("playground-r-life-api") };
}

/** Lets the promise callbacks an exit sets off run (the backend's wait, the run's stop). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("a service's life on the engine", () => {
  it("is a hardened container on the run's network, fed the lesson's files on stdin", async () => {
    const { engine, api } = await started();
    const options = api.options;
    expect(options.User).toBe("1000:1000");
    expect(options.Hostname).toBe("api");
    expect(options.Env).toEqual(
      expect.arrayContaining(["PLAYGROUND_SERVICE_DIR=services/api", "SERVICE_NAME=api", "PORT=8080", "GREETING=hi"]),
    );
    expect(options.Labels).toMatchObject({ "playground.run": "r-life", "playground.service": "api" });
    expect(options.HostConfig).toMatchObject({
      ReadonlyRootfs: true,
      CapDrop: ["ALL"],
      NetworkMode: "playground-r-life",
    });
    expect(options.NetworkingConfig?.EndpointsConfig?.["playground-r-life"]?.Aliases).toEqual(["api"]);
    // The files arrive as a tar archive, and stdin is closed so the runner starts building.
    expect(api.stdinEnded).toBe(true);
    expect(Buffer.concat(api.stdin).toString("latin1")).toContain("services/api/main.go");
    // Isolation first: every rule was in place (and checked) before the network existed.
    expect(engine.firewall.some((r) => r.includes(" -I "))).toBe(true);
    expect(engine.networks.has("playground-r-life")).toBe(true);
  });

  it("fails with its exit code when its process ends before it serves, and the run ends with everything given back", async () => {
    const { engine, api, stageOf, system, ended } = await started();
    api.feed(recorded(Buffer.from(`${P}building\n`))[0]);
    api.exitWith(2);
    await settle();
    expect(stageOf("api")).toBe("failed");
    expect(system("api")).toContain("exited with code 2");
    // The other service is still waiting for nothing: one failure does not end the run while another lives.
    engine.container("playground-r-life-worker").exitWith(1);
    await settle();
    await settle();
    expect(ended()).toMatchObject({ type: "ended", reason: "failed" });
    expect([...engine.containers.values()].every((c) => c.removed)).toBe(true);
    expect(engine.networks.get("playground-r-life")?.removed).toBe(true);
    const added = engine.firewall.filter((r) => r.includes(" -I ")).length;
    expect(engine.firewall.filter((r) => r.includes(" -D ")).length).toBe(added);
  });

  it("says it was killed for memory when the engine reports the out-of-memory kill", async () => {
    const { api, stageOf, system } = await started();
    api.feed(recorded(Buffer.from(`${P}building\n${P}starting\n`))[0]);
    api.exitWith(137, { oomKilled: true });
    await settle();
    expect(stageOf("api")).toBe("failed");
    expect(system("api")).toContain("killed: out of memory (limit 512 MiB)");
  });

  it("reads the runner's failure word from stderr, and the compiler's output before it as diagnostics", async () => {
    const { api, stageOf, events } = await started();
    api.feed(recorded(Buffer.from(`${P}building\n`))[0]);
    api.feed(recorded(Buffer.from(`main.go:3:2: undefined: nope\n${P}build-failed\n`), 64 * 1024, 2)[0]);
    expect(stageOf("api")).toBe("failed");
    const diagnostics = events.filter((e) => e.type === "diagnostics" && e.service === "api");
    expect(diagnostics.at(-1)).toMatchObject({
      diagnostics: [expect.objectContaining({ line: 3, column: 2, message: "undefined: nope" })],
    });
  });

  it("stops gracefully only what got to serve, then removes every container and the network", async () => {
    const { engine, run, api, ended } = await started();
    api.feed(recorded(Buffer.from(`${P}building\n${P}starting\n`))[0]);
    const worker = engine.container("playground-r-life-worker");
    await run.stop();
    expect(api.stopped).toEqual([2]);
    expect(worker.stopped).toEqual([]);
    expect(api.removed && worker.removed).toBe(true);
    expect(engine.networks.get("playground-r-life")?.removed).toBe(true);
    expect(ended()).toMatchObject({ reason: "stopped" });
    // A second stop is the same stop.
    await run.stop("timeout");
    expect(ended()).toMatchObject({ reason: "stopped" });
  });
});

describe("a run's lifetime", () => {
  it("gives back newest first, once, and at once what is owned after the end", async () => {
    const life = new Lifetime();
    const order: string[] = [];
    life.own(() => order.push("rules"));
    life.own(async () => {
      await new Promise((r) => setTimeout(r, 5));
      order.push("network");
    });
    const dropped = life.own(() => order.push("retired container"));
    life.own(() => order.push("containers"));
    dropped.release();
    const first = life.end(async () => {
      order.push("graceful stops");
    });
    expect(life.ended).toBe(true);
    expect(() => life.check()).toThrow(RunEnded);
    await Promise.all([first, life.end()]);
    expect(order).toEqual(["graceful stops", "containers", "network", "rules"]);
    life.own(() => order.push("late"));
    await settle();
    expect(order.at(-1)).toBe("late");
  });

  it("keeps giving back when one disposer fails", async () => {
    const life = new Lifetime();
    const order: string[] = [];
    life.own(() => order.push("a"));
    life.own(() => {
      throw new Error("engine gone");
    });
    await life.end();
    expect(order).toEqual(["a"]);
  });
});
