// Lesson 16.8.1 through the engine: the learner's Dockerfile is built by the real engine and its image runs as the
// service; sizes are reported; broken Dockerfiles fail with the engine's words; nothing of a run is left after Stop.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { reapOrphans, startRun, type RunEvent } from "../../sandbox/index";
import { runChecks } from "../../sandbox/checks";
import { loadLesson } from "../../lib/server/lessons";
import { collect, engine, leftovers, logText, ownerLeftovers, waitFor, sandboxHooks } from "./helpers";

const SLUG = "docker";
const DOCKERFILE = "services/user-service/Dockerfile";
const testStarted = Date.now();
const started = sandboxHooks({ reap: true });

/** Images of the run (its built image), and untagged playground images committed since this file started. */
async function imageLeftovers(runId: string): Promise<{ runImages: number; intermediates: number }> {
  const runImages = await engine.listImages({ filters: { label: [`playground.run=${runId}`] } });
  const dangling = await engine.listImages({
    filters: { dangling: ["true"], label: ["playground.app=go-microservices-playground"] },
  });
  // A local base image replaced meanwhile (another process's setup) is dangling too, but not this run's.
  const intermediates = dangling.filter(
    (i) => i.Created * 1000 >= testStarted - 2000 && !i.Labels?.["playground.base-key"],
  );
  return { runImages: runImages.length, intermediates: intermediates.length };
}

async function runWith(
  owner: string,
  edit: (files: Record<string, string>) => void,
  limits?: Parameters<typeof startRun>[2]["limits"],
) {
  const lesson = await loadLesson(SLUG);
  const files = { ...lesson.files };
  edit(files);
  const r = await startRun(SLUG, files, { owner, limits });
  started.push(r);
  return { r, events: collect(r) };
}

function failedStage(events: RunEvent[]) {
  return waitFor(events, (e) => e.type === "stage" && e.stage === "failed", 120_000) as Promise<
    Extract<RunEvent, { type: "stage" }>
  >;
}

describe("lesson 16.8.1: a Dockerfile built and run in the sandbox", () => {
  it("builds the multi-stage Dockerfile, runs the image sandboxed and reports its size next to the builder's", async () => {
    const lesson = await loadLesson(SLUG);
    const r = await startRun(SLUG, null, { owner: "it-docker-build" });
    started.push(r);
    const events = collect(r);
    await r.whenAllRunning();
    const results = await runChecks(r, lesson.manifest.checks);
    expect(results.filter((x) => !x.ok)).toEqual([]);

    const stages = events.filter((e) => e.type === "stage").map((e) => (e as { stage: string }).stage);
    expect(stages).toEqual(["building", "starting", "running"]);
    const log = logText(events, "user-service");
    // The stand-ins are named before the build, the engine's own output follows, then the sizes.
    expect(log).toMatch(/golang:1\.\d+ = the playground's Go toolchain image/);
    expect(log).toMatch(/Step \d+\/\d+ : FROM golang:1\.\d+ AS build/);
    expect(log).toMatch(/image built in [\d.]+ s: [\d.]+ MB \(final stage from scratch\); stage "build" from golang/);

    const image = events.find((e) => e.type === "image") as Extract<RunEvent, { type: "image" }>;
    expect(image.final.base).toBe("scratch");
    expect(image.bytes).toBeLessThan(20e6);
    expect(image.earlier).toHaveLength(1);
    expect(image.earlier[0]).toMatchObject({ name: "build", base: expect.stringMatching(/^golang:1\.\d+$/) });
    expect(image.earlier[0].bytes).toBeGreaterThan(50 * image.bytes);

    // The built image runs with the same limits as every service, as its non-root USER.
    const [c] = await engine.listContainers({ filters: { label: [`playground.run=${r.id}`] } });
    const info = await engine.getContainer(c.Id).inspect();
    expect(info.Config.Image).toBe(`playground-build/docker-user-service:${r.id}`);
    expect(info.Config.User).toBe("65532:65532");
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    expect(info.HostConfig.CapDrop).toEqual(["ALL"]);
    expect(info.HostConfig.SecurityOpt).toContain("no-new-privileges");
    expect(info.HostConfig.Memory).toBe(512 * 1024 * 1024);
    expect(info.HostConfig.NanoCpus).toBe(1e9);
    expect(info.HostConfig.PidsLimit).toBe(256);
    expect(Object.values(info.HostConfig.PortBindings ?? {}).flat()).toEqual([
      expect.objectContaining({ HostIp: "127.0.0.1" }),
    ]);
    const built = await engine.getImage(info.Config.Image).inspect();
    expect(built.Config.Labels).toMatchObject({ "playground.run": r.id, "playground.lesson": SLUG });
    expect(built.Config.Labels?.["playground.created-at"]).toBeTruthy();

    await r.stop();
    expect(await leftovers(r.id)).toEqual({ containers: 0, networks: 0 });
    expect(await imageLeftovers(r.id)).toEqual({ runImages: 0, intermediates: 0 });
    await expect
      .poll(() => ownerLeftovers("it-docker-build"), { timeout: 15_000 })
      .toEqual({ containers: 0, networks: 0 });
  });

  it("a Dockerfile syntax error fails the stage with the engine's message and a marker on its line", async () => {
    const { r, events } = await runWith("it-docker-syntax", (files) => {
      files[DOCKERFILE] = files[DOCKERFILE].replace("FROM scratch", "FORM scratch");
    });
    const failed = await failedStage(events);
    expect(failed.detail).toMatch(/image build failed: .*unknown instruction: FORM/i);
    const diagnostics = events.find((e) => e.type === "diagnostics" && e.diagnostics.length > 0) as Extract<
      RunEvent,
      { type: "diagnostics" }
    >;
    expect(diagnostics.diagnostics[0]).toMatchObject({ file: DOCKERFILE, message: expect.stringMatching(/FORM/) });
    await r.stop();
    expect(await leftovers(r.id)).toEqual({ containers: 0, networks: 0 });
    expect(await imageLeftovers(r.id)).toEqual({ runImages: 0, intermediates: 0 });
  });

  it("a failing RUN fails the stage with its exit code; RUN steps have no network but loopback", async () => {
    const { r, events } = await runWith("it-docker-run", (files) => {
      files[DOCKERFILE] = files[DOCKERFILE].replace(
        "RUN go mod download",
        "RUN echo interfaces: $(ls /sys/class/net) && exit 3",
      );
    });
    const failed = await failedStage(events);
    expect(failed.detail).toMatch(/returned a non-zero code: 3/);
    expect(logText(events, "user-service")).toContain("interfaces: lo\n");
    await r.stop();
    expect(await imageLeftovers(r.id)).toEqual({ runImages: 0, intermediates: 0 });
  });

  it("a Go compile error inside RUN go build shows as a marker on the Go file", async () => {
    const { r, events } = await runWith("it-docker-go", (files) => {
      files["services/user-service/main.go"] += "\nfunc broken() { undefinedThing() }\n";
    });
    const failed = await failedStage(events);
    expect(failed.detail).toMatch(/returned a non-zero code/);
    const diagnostics = events.filter((e) => e.type === "diagnostics").flatMap((e) => e.diagnostics);
    expect(diagnostics).toContainEqual(
      expect.objectContaining({ file: "services/user-service/main.go", message: expect.stringMatching(/undefined/) }),
    );
    await r.stop();
    expect(await imageLeftovers(r.id)).toEqual({ runImages: 0, intermediates: 0 });
  });

  it("a base image only a registry could give is refused before anything is built or pulled", async () => {
    const { r, events } = await runWith("it-docker-pull", (files) => {
      files[DOCKERFILE] = files[DOCKERFILE].replace("FROM scratch", "FROM alpine:3.20");
    });
    const failed = await failedStage(events);
    expect(failed.detail).toMatch(/"alpine:3.20" is not available here/);
    expect(logText(events, "user-service")).not.toMatch(/Step 1\//);
    await expect(engine.getImage("alpine:3.20").inspect()).rejects.toMatchObject({ statusCode: 404 });
    await r.stop();
  });

  it("an image without USER still runs as non-root", async () => {
    const { r, events } = await runWith("it-docker-root", (files) => {
      files[DOCKERFILE] = files[DOCKERFILE].replace(/^USER .*$/m, "");
    });
    await r.whenAllRunning();
    expect(logText(events, "user-service")).toMatch(/would run as root.*65532:65532 instead/);
    const res = await r.request({ service: "user-service", method: "GET", path: "/info" });
    expect(JSON.parse(res.body)).toMatchObject({ uid: 65532 });
    await r.stop();
    expect(await imageLeftovers(r.id)).toEqual({ runImages: 0, intermediates: 0 });
  });

  it("ADD of a URL (JSON form, to 127.0.0.1) is refused before the engine sees the Dockerfile", async () => {
    const { r, events } = await runWith("it-docker-add-url", (files) => {
      files[DOCKERFILE] = files[DOCKERFILE].replace("COPY . .", 'ADD ["http://127.0.0.1:9/", "/x"]\nCOPY . .');
    });
    const failed = await failedStage(events);
    expect(failed.detail).toMatch(/ADD "http:\/\/127\.0\.0\.1:9\/" is not allowed here/);
    expect(logText(events, "user-service")).not.toMatch(/Step 1\//);
    const diagnostics = events.filter((e) => e.type === "diagnostics").flatMap((e) => e.diagnostics);
    expect(diagnostics).toContainEqual(
      expect.objectContaining({ file: DOCKERFILE, message: expect.stringMatching(/ADD/) }),
    );
    await r.stop();
  });

  it("a USER name is resolved in the image: nonroot runs as its uid, another name for uid 0 does not", async () => {
    const busybox =
      (user: string, extra = "") =>
      (files: Record<string, string>) => {
        files[DOCKERFILE] = files[DOCKERFILE].replace("FROM scratch", `FROM busybox:1.35${extra}`).replace(
          /^USER .*$/m,
          `USER ${user}`,
        );
      };
    const ok = await runWith("it-docker-user-name", busybox("nonroot"));
    await ok.r.whenAllRunning();
    const res = await ok.r.request({ service: "user-service", method: "GET", path: "/info" });
    expect(JSON.parse(res.body)).toMatchObject({ uid: 65532 });
    expect(logText(ok.events, "user-service")).not.toMatch(/instead/);
    await ok.r.stop();

    const alias = await runWith(
      "it-docker-user-alias",
      busybox("toor", "\nRUN echo 'toor:x:0:0::/:/bin/sh' >> /etc/passwd"),
    );
    await alias.r.whenAllRunning();
    expect(logText(alias.events, "user-service")).toMatch(
      /would run as root \(USER toor is uid 0\).*65532:65532 instead/,
    );
    const [c] = await engine.listContainers({ filters: { label: [`playground.run=${alias.r.id}`] } });
    expect((await engine.getContainer(c.Id).inspect()).Config.User).toBe("65532:65532");
    await alias.r.stop();
    expect(await imageLeftovers(alias.r.id)).toEqual({ runImages: 0, intermediates: 0 });
  });

  it("RUN steps that write past the build's disk limit stop the build with a clear message", async () => {
    const mib = 1024 * 1024;
    const { r, events } = await runWith(
      "it-docker-disk",
      (files) => {
        files[DOCKERFILE] = files[DOCKERFILE].replace(
          "FROM scratch",
          "FROM busybox:1.35\nRUN head -c 40000000 /dev/zero > /a && head -c 40000000 /dev/zero > /b && sleep 30",
        );
      },
      { buildDiskBytes: 64 * mib },
    );
    const failed = await failedStage(events);
    expect(failed.detail).toMatch(/RUN steps wrote [\d.]+ MB to disk, past this sandbox's limit of 67\.1 MB/);
    await r.stop();
    expect(await leftovers(r.id)).toEqual({ containers: 0, networks: 0 });
    expect(await imageLeftovers(r.id)).toEqual({ runImages: 0, intermediates: 0 });
  });

  it("one file written past the disk limit stops the build with the same limit named", async () => {
    const mib = 1024 * 1024;
    const { r, events } = await runWith(
      "it-docker-file-size",
      (files) => {
        files[DOCKERFILE] = files[DOCKERFILE].replace(
          "FROM scratch",
          "FROM busybox:1.35\nRUN dd if=/dev/zero of=/big bs=1M count=100",
        );
      },
      { buildDiskBytes: 64 * mib },
    );
    const failed = await failedStage(events);
    // Whichever catches it first, the per-file limit or the watch of the step's disk use, names the limit.
    expect(failed.detail).toMatch(/RUN steps? wrote .*(?:limit|disk limit) of 67\.1 MB/);
    await r.stop();
    expect(await leftovers(r.id)).toEqual({ containers: 0, networks: 0 });
    expect(await imageLeftovers(r.id)).toEqual({ runImages: 0, intermediates: 0 });
  });

  it("the reaper removes a built image whose run and server are gone", async () => {
    // Built by hand (the docker CLI, not the code under test) with the labels a run of a dead server leaves.
    const labels = {
      "playground.app": "go-microservices-playground",
      "playground.run": "deadbeef01",
      "playground.lesson": SLUG,
      "playground.created-at": new Date().toISOString(),
      "playground.server-pid": "999999999",
    };
    const args = Object.entries(labels).flatMap(([k, v]) => ["--label", `${k}=${v}`]);
    const tag = "playground-build/docker-user-service:deadbeef01";
    await exec("docker", ["build", "-q", "-t", tag, ...args, "-"], "FROM busybox:1.35\n");
    expect(await imageLeftovers("deadbeef01")).toEqual({ runImages: 1, intermediates: 0 });
    const reaped = await reapOrphans();
    expect(reaped.images).toBeGreaterThanOrEqual(1);
    expect(await imageLeftovers("deadbeef01")).toEqual({ runImages: 0, intermediates: 0 });
  });
});

/** Runs a command with `input` on its stdin. */
function exec(cmd: string, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ["pipe", "ignore", "inherit"],
      env: { ...process.env, DOCKER_BUILDKIT: "0" },
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}`))));
    child.stdin.end(input);
  });
}
