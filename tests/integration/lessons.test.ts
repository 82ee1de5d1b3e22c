// Every lesson that has services is built and run in the real sandbox, and every check of its manifest passes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureImage, startRun, stopAllRuns } from "../../sandbox/index";
import { runChecks } from "../../sandbox/checks";
import { listLessons, loadLesson } from "../../lib/server/lessons";

// A lesson of Kubernetes manifests runs on the cluster: its checks are in tests/cluster (kubernetes-lesson.ts).
const lessons = await Promise.all((await listLessons()).map(async (l) => ({ ...l, lesson: await loadLesson(l.slug) })));
const runnable = lessons.filter((l) => l.serviceCount > 0 && !l.lesson.manifest.kubernetes);

beforeAll(async () => {
  await ensureImage();
});

afterAll(async () => {
  await stopAllRuns();
});

describe("lessons in the sandbox", () => {
  it("has runnable lessons to check", () => {
    expect(runnable.length).toBeGreaterThan(0);
  });

  it.each(runnable.map((l) => [l.section, l.slug]))("%s %s runs and passes its checks", async (_section, slug) => {
    const lesson = await loadLesson(slug);
    expect(lesson.manifest.checks.length, "a runnable lesson proves itself with checks").toBeGreaterThan(0);
    const started = Date.now();
    const run = await startRun(slug, null, { owner: `it-lesson-${slug}` });
    try {
      await run.whenAllRunning();
      console.log(`${slug}: all services running ${Date.now() - started} ms after Run`);
      const results = await runChecks(run, lesson.manifest.checks);
      expect(results.filter((r) => !r.ok)).toEqual([]);
    } finally {
      await run.stop();
    }
  });
});
