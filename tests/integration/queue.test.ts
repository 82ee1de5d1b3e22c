// More learners than the engine runs at once: the rest wait in a queue with a visible position, holding nothing.
import { describe, expect, it } from "vitest";
import { startRun } from "../../sandbox/index";
import { collect, leftovers, waitFor, sandboxHooks } from "./helpers";

const SLUG = "monolith-vs-microservices";
const LIMITS = { runsTotal: 2 };
const started = sandboxHooks({ reap: true });

describe("the queue of runs", () => {
  it("admits the first runs, queues the next with its position, and lets it in when a run ends", async () => {
    const first = await startRun(SLUG, null, { owner: "it-queue-a", limits: LIMITS });
    const second = await startRun(SLUG, null, { owner: "it-queue-b", limits: LIMITS });
    const third = await startRun(SLUG, null, { owner: "it-queue-c", limits: LIMITS });
    const fourth = await startRun(SLUG, null, { owner: "it-queue-d", limits: LIMITS });
    started.push(first, second, third, fourth);
    const thirdEvents = collect(third);
    const fourthEvents = collect(fourth);
    await Promise.all([first.whenAllRunning(), second.whenAllRunning()]);

    await waitFor(thirdEvents, (e) => e.type === "queue" && e.position === 1, 5_000);
    await waitFor(fourthEvents, (e) => e.type === "queue" && e.position === 2, 5_000);
    // Waiting holds no container and no network.
    expect(await leftovers(third.id)).toEqual({ containers: 0, networks: 0 });
    expect(third.services().every((s) => s.stage === "queued")).toBe(true);

    await first.stop();
    await third.whenAllRunning();
    // The one behind moved up a place and still waits.
    await waitFor(fourthEvents, (e) => e.type === "queue" && e.position === 1, 5_000);
    expect(fourth.services().every((s) => s.stage === "queued")).toBe(true);

    // Leaving the queue frees the place without ever having started anything, and the ones behind move up.
    const fifth = await startRun(SLUG, null, { owner: "it-queue-e", limits: LIMITS });
    started.push(fifth);
    const fifthEvents = collect(fifth);
    await waitFor(fifthEvents, (e) => e.type === "queue" && e.position === 2, 5_000);
    await fourth.stop();
    expect(await leftovers(fourth.id)).toEqual({ containers: 0, networks: 0 });
    await waitFor(fifthEvents, (e) => e.type === "queue" && e.position === 1, 5_000);
    await fifth.stop();
    await Promise.all([second.stop(), third.stop()]);
    for (const r of [first, second, third]) expect(await leftovers(r.id)).toEqual({ containers: 0, networks: 0 });
  });
});
