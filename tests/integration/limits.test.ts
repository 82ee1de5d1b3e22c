// The sandbox limits hold against programs that misbehave on purpose (tests/fixtures/lessons).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureImage, reapOrphans, startRun, stopAllRuns } from "../../sandbox/index";
import { forgetRunsForCrashTest } from "../../sandbox/runs";
import { collect, FIXTURES, leftovers, logText, waitFor } from "./helpers";

beforeAll(async () => {
  await ensureImage();
});

afterAll(async () => {
  await stopAllRuns();
});

describe("sandbox limits", () => {
  it("kills a program that allocates without bound and reports out of memory", async () => {
    const r = await startRun("memory-hog", null, {
      owner: "it-limits",
      lessonsRoot: FIXTURES,
      limits: { memoryBytes: 128 * 1024 * 1024 },
    });
    const events = collect(r);
    const failed = await waitFor(events, (e) => e.type === "stage" && e.stage === "failed", 90_000);
    expect(failed).toMatchObject({ service: "hog", detail: "killed: out of memory (limit 128 MiB)" });
    expect(logText(events, "hog")).toMatch(/out of memory/);
    await r.stop();
    expect(await leftovers(r.id)).toEqual({ containers: 0, networks: 0 });
  });

  it("truncates a program that prints for ever, with a visible notice", async () => {
    const r = await startRun("chatty", null, {
      owner: "it-limits",
      lessonsRoot: FIXTURES,
      limits: { outputBytesPerStream: 64 * 1024 },
    });
    const events = collect(r);
    await waitFor(events, (e) => e.type === "log" && e.stream === "system" && /output truncated/.test(e.text), 90_000);
    await new Promise((res) => setTimeout(res, 1000));
    const shown = events
      .filter((e) => e.type === "log" && e.service === "chatty" && e.stream === "stdout")
      .reduce((n, e) => n + (e as { text: string }).text.length, 0);
    expect(shown).toBeLessThanOrEqual(64 * 1024);
    expect(shown).toBeGreaterThan(32 * 1024);
    await r.stop();
    expect(await leftovers(r.id)).toEqual({ containers: 0, networks: 0 });
  });

  it("stops a run that outlives its wall-clock limit", async () => {
    const r = await startRun("sleeper", null, {
      owner: "it-limits",
      lessonsRoot: FIXTURES,
      limits: { runWallClockMs: 8_000 },
    });
    const events = collect(r);
    await r.whenAllRunning();
    const ended = await waitFor(events, (e) => e.type === "ended", 30_000);
    expect(ended).toMatchObject({ reason: "timeout" });
    expect(logText(events)).toMatch(/wall-clock limit of 8 s reached/);
    expect(await leftovers(r.id)).toEqual({ containers: 0, networks: 0 });
  });

  it("leaves nothing behind after a crash, once the reaper has run", async () => {
    const r = await startRun("sleeper", null, { owner: "it-crash", lessonsRoot: FIXTURES });
    await r.whenAllRunning();
    expect(await leftovers(r.id)).toEqual({ containers: 1, networks: 1 });
    forgetRunsForCrashTest(); // as if the server process had died: nobody owns the run any more
    const reaped = await reapOrphans();
    expect(reaped.containers).toBeGreaterThanOrEqual(1);
    expect(await leftovers(r.id)).toEqual({ containers: 0, networks: 0 });
  });
});
