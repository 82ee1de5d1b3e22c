// Lesson 16.1 through the same engine path as the web page, against the real Docker Engine.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { startRun, SandboxError } from "../../sandbox/index";
import { runChecks } from "../../sandbox/checks";
import { SANDBOX_CGROUP, SANDBOX_CPU_SHARES } from "../../sandbox/cpu-weight";
import { loadLesson } from "../../lib/server/lessons";
import { collect, engine, leftovers, logText, ownerLeftovers, waitFor, sandboxHooks } from "./helpers";

const run = promisify(execFile);
const SLUG = "monolith-vs-microservices";
const started = sandboxHooks({ reap: true });

describe("lesson 16.1 in the sandbox", () => {
  it("builds, starts and answers every check of its manifest", async () => {
    const lesson = await loadLesson(SLUG);
    const r = await startRun(SLUG, null, { owner: "it-core-stop" });
    started.push(r);
    const events = collect(r);
    await r.whenAllRunning();
    const results = await runChecks(r, lesson.manifest.checks);
    expect(results.filter((x) => !x.ok)).toEqual([]);
    expect(results.length).toBe(lesson.manifest.checks.length);
    // Stages went queued → building → starting → running for every service; a survives-stop check then stopped
    // the service with a slow request in flight, and it went through the same stages again.
    const life = ["building", "starting", "running"];
    const stoppedByCheck = new Set(
      lesson.manifest.checks.filter((c) => c.kind === "survives-stop").map((c) => c.service),
    );
    expect(stoppedByCheck.size).toBeGreaterThan(0);
    for (const s of lesson.manifest.services) {
      const stages = events
        .filter((e) => e.type === "stage" && e.service === s.name)
        .map((e) => (e as { stage: string }).stage);
      expect(stages).toEqual(stoppedByCheck.has(s.name) ? [...life, "stopped", "queued", ...life] : life);
    }
    expect(logText(events, "monolith")).toMatch(/listening/);

    // Sandbox settings as the engine sees them.
    const containers = await engine.listContainers({ filters: { label: [`playground.run=${r.id}`] } });
    expect(containers.length).toBe(2);
    for (const c of containers) {
      const info = await engine.getContainer(c.Id).inspect();
      expect(info.Config.User).toBe("1000:1000");
      expect(info.HostConfig.ReadonlyRootfs).toBe(true);
      expect(info.HostConfig.CapDrop).toEqual(["ALL"]);
      expect(info.HostConfig.SecurityOpt).toContain("no-new-privileges");
      expect(info.HostConfig.Memory).toBe(512 * 1024 * 1024);
      expect(info.HostConfig.MemorySwap).toBe(512 * 1024 * 1024);
      expect(info.HostConfig.PidsLimit).toBe(256);
      expect(info.HostConfig.NanoCpus).toBe(1e9);
      // Under the sandbox's cgroup parent, whose CPU weight leaves the server the CPU it asks for (cgroupfs, v1).
      expect(info.HostConfig.CgroupParent).toBe(`/${SANDBOX_CGROUP}`);
      for (const bindings of Object.values(info.HostConfig.PortBindings ?? {}) as { HostIp: string }[][]) {
        expect(bindings.every((b) => b.HostIp === "127.0.0.1")).toBe(true);
      }
    }

    expect(readFileSync(`/sys/fs/cgroup/cpu/${SANDBOX_CGROUP}/cpu.shares`, "utf8").trim()).toBe(
      String(SANDBOX_CPU_SHARES),
    );

    // The run's network: no masquerade, and the host firewall drops what leaves the bridge or dials the host.
    const [net] = await engine.listNetworks({ filters: { label: [`playground.run=${r.id}`] } });
    const netInfo = await engine.getNetwork(net.Id).inspect();
    expect(netInfo.Options?.["com.docker.network.bridge.enable_ip_masquerade"]).toBe("false");
    const bridge = netInfo.Options?.["com.docker.network.bridge.name"];
    const forward = (await run("iptables", ["-S", "DOCKER-USER"])).stdout;
    const input = (await run("iptables", ["-S", "INPUT"])).stdout;
    expect(forward).toContain(`-A DOCKER-USER -i ${bridge} ! -o ${bridge} -j DROP`);
    expect(input).toMatch(new RegExp(`-A INPUT -i ${bridge} -m conntrack --ctstate NEW -j DROP`));
    // No default route out of a container other than via the bridge, whose gateway forwards nothing.

    // Meanwhile the learner's next run was prepared (network and containers waiting for files).
    await expect
      .poll(() => ownerLeftovers("it-core-stop"), { timeout: 15_000 })
      .toEqual({ containers: 4, networks: 2 });

    const stopStarted = Date.now();
    await r.stop();
    expect(Date.now() - stopStarted).toBeLessThan(10_000);
    expect(await leftovers(r.id)).toEqual({ containers: 0, networks: 0 });
    // Stop without a new Run also removes the prepared next run, within seconds.
    await expect.poll(() => ownerLeftovers("it-core-stop"), { timeout: 5_000 }).toEqual({ containers: 0, networks: 0 });
    expect((await run("iptables", ["-S", "DOCKER-USER"])).stdout).not.toContain(bridge);
  });

  it("serves the learner's edit on the next Run", async () => {
    const lesson = await loadLesson(SLUG);
    const files = { ...lesson.files };
    const main = "services/user-service/main.go";
    expect(files[main]).toContain("张三");
    files[main] = files[main].replace("张三", "王五-edited");
    const r = await startRun(SLUG, files, { owner: "it-core" });
    started.push(r);
    await r.whenAllRunning();
    const res = await r.request({ service: "user-service", method: "GET", path: "/users" });
    expect(res.status).toBe(200);
    expect(res.body).toContain("王五-edited");
    expect(res.durationMs).toBeGreaterThan(0);
    await r.stop();
  });

  it("reports a compile error with its file and line, and nothing else breaks", async () => {
    const lesson = await loadLesson(SLUG);
    const files = { ...lesson.files };
    const main = "services/monolith/main.go";
    const lines = files[main].split("\n");
    const at = lines.findIndex((l) => l.startsWith("func main()")) + 2; // 1-based line of the inserted call
    lines.splice(at - 1, 0, "\tundefinedThing()");
    files[main] = lines.join("\n");
    const r = await startRun(SLUG, files, { owner: "it-core" });
    started.push(r);
    const events = collect(r);
    await expect(r.whenAllRunning()).rejects.toThrow(/monolith failed: build failed/);
    const diag = (await waitFor(events, (e) => e.type === "diagnostics" && e.diagnostics.length > 0)) as Extract<
      (typeof events)[number],
      { type: "diagnostics" }
    >;
    expect(diag.diagnostics[0]).toMatchObject({ service: "monolith", file: main, line: at });
    expect(diag.diagnostics[0].message).toMatch(/undefined: undefinedThing/);
    expect(logText(events, "monolith")).toMatch(/undefined: undefinedThing/);
    await r.stop();
    expect(await leftovers(r.id)).toEqual({ containers: 0, networks: 0 });
  });

  it("refuses bad requests with clear messages", async () => {
    const codeOf = async (p: Promise<unknown>): Promise<string> =>
      p.then(
        () => "none",
        (e: unknown) => (e instanceof SandboxError ? e.code : String(e)),
      );
    expect(await codeOf(startRun("no-such-lesson", null, { owner: "it" }))).toBe("UNKNOWN_LESSON");
    expect(await codeOf(startRun(SLUG, { "../x": "a" }, { owner: "it" }))).toBe("BAD_PATH");
    expect(await codeOf(startRun(SLUG, { "/etc/passwd": "a" }, { owner: "it" }))).toBe("BAD_PATH");
    expect(await codeOf(startRun(SLUG, { "a.go": "x".repeat(300 * 1024) }, { owner: "it" }))).toBe("FILE_TOO_LARGE");
  });

  it("says plainly when the Docker Engine is not reachable, and how to fix it", async () => {
    const script = `import("./sandbox/index.ts").then(async (m) => console.log(JSON.stringify(await m.checkEngine())))`;
    const { stdout } = await run("node", ["--import", "tsx", "-e", script], {
      env: { ...process.env, DOCKER_HOST: "unix:///nonexistent/docker.sock" },
    });
    const status = JSON.parse(stdout.trim().split("\n").pop()!);
    expect(status.ok).toBe(false);
    expect(status.message).toMatch(/not reachable/);
    expect(status.hint).toMatch(/dockerd/);
  });
});
