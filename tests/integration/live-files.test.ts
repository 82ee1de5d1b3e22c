// Live files against the real engine: an edited config.yaml reaches the running config-service, which reloads it
// without a restart; a broken edit is refused by the service and the last good value stays.
import { describe, expect, it } from "vitest";
import { startRun, type RunEvent, type RunHandle } from "../../sandbox/index";
import { loadLesson } from "../../lib/server/lessons";
import { collect, engine, logText, sandboxHooks, waitFor } from "./helpers";

const SLUG = "configuration";
const CONFIG = "services/config-service/config.yaml";
const started = sandboxHooks({ reap: true });

async function greeting(run: RunHandle): Promise<{ message: string; config_version: number }> {
  const res = await run.request({ service: "config-service", method: "GET", path: "/hello" });
  expect(res.status).toBe(200);
  return JSON.parse(res.body) as { message: string; config_version: number };
}

/** Polls (bounded) until the condition holds; returns the last value seen either way. */
async function pollUntil<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

async function containerState(runId: string): Promise<{ id: string; startedAt: string; restarts: number }> {
  const [c] = await engine.listContainers({ filters: { label: [`playground.run=${runId}`] } });
  const info = await engine.getContainer(c.Id).inspect();
  return { id: info.Id, startedAt: info.State.StartedAt, restarts: info.RestartCount };
}

const stages = (events: RunEvent[]): string[] =>
  events.filter((e) => e.type === "stage" && e.service === "config-service").map((e) => (e as { stage: string }).stage);

describe("live files in the configuration lesson", () => {
  it("sends an edited config.yaml into the running service, which reloads it without a restart", async () => {
    const lesson = await loadLesson(SLUG);
    const original = lesson.files[CONFIG];
    expect(original).toContain('greeting: "你好！Hello from config-service"');
    const r = await startRun(SLUG, null, { owner: "it-live-files" });
    started.push(r);
    const events = collect(r);
    await r.whenAllRunning();
    const before = await containerState(r.id);
    const first = await greeting(r);
    expect(first.message).toBe("你好！Hello from config-service");

    // A file the service reads only at start-up is not written, and the answer says so.
    const [goFile] = await r.updateFiles({
      "services/config-service/main.go": lesson.files["services/config-service/main.go"] + "\n",
    });
    expect(goFile.updated).toEqual([]);
    expect(goFile.message).toBe("main.go is read at start-up only by config-service; press Run to apply it.");

    const edited = original.replace('greeting: "你好！Hello from config-service"', 'greeting: "Reloaded live"');
    const [result] = await r.updateFiles({ [CONFIG]: edited });
    expect(result).toMatchObject({ path: CONFIG, updated: ["config-service"], failed: [] });
    const after = await pollUntil(
      () => greeting(r),
      (g) => g.message === "Reloaded live",
    );
    expect(after.message).toBe("Reloaded live");
    expect(after.config_version).toBeGreaterThan(first.config_version);
    // The service answers from the new file as soon as it has reloaded; its log line may arrive a moment later.
    await waitFor(events, (e) => e.type === "log" && /changed features\.greeting/.test(e.text), 15_000);
    const log = logText(events, "config-service");
    expect(log).toContain("config.yaml updated in the running container");
    expect(log).toMatch(/configuration reloaded/);
    expect(log).toMatch(/changed features\.greeting: 你好！Hello from config-service -> Reloaded live/);

    // Sending the same text again writes nothing.
    const [again] = await r.updateFiles({ [CONFIG]: edited });
    expect(again.unchanged).toBe(true);
    expect(again.updated).toEqual([]);

    // A broken edit: the service logs the error and keeps serving the last good value.
    const broken = edited.replace("features:\n", "features: [not closed\n");
    expect(broken).not.toBe(edited);
    const [bad] = await r.updateFiles({ [CONFIG]: broken });
    expect(bad.updated).toEqual(["config-service"]);
    await pollUntil(
      async () => logText(events, "config-service"),
      (text) => text.includes("config file has an error; keeping the current config"),
    );
    expect(logText(events, "config-service")).toContain("config file has an error; keeping the current config");
    expect((await greeting(r)).message).toBe("Reloaded live");

    // The same container kept running the whole time: no restart, no second build.
    expect(await containerState(r.id)).toEqual(before);
    expect(stages(events)).toEqual(["building", "starting", "running"]);
    expect(r.services()[0].stage).toBe("running");
  }, 180_000);

  it("refuses a path that leaves the lesson and text that is too large", async () => {
    const r = started[0];
    await expect(r.updateFiles({ "../etc/passwd": "x" })).rejects.toMatchObject({ code: "BAD_PATH" });
    await expect(r.updateFiles({ [CONFIG]: "x".repeat(300 * 1024) })).rejects.toMatchObject({
      code: "FILE_TOO_LARGE",
    });
    expect((await greeting(r)).message).toBe("Reloaded live");
  });
});
