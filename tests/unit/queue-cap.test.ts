// The waiting line of runs has an end: past it, Run is refused with a clear message instead of holding more files.
import { describe, expect, it } from "vitest";
import { queueRefusal } from "../../sandbox/runs";
import { DEFAULT_LIMITS } from "../../sandbox/limits";
import { SandboxError } from "../../sandbox/errors";

const limits = { ...DEFAULT_LIMITS, runsTotal: 2, runsQueued: 3 };

describe("queueRefusal", () => {
  it("lets a run start or wait while there is room", () => {
    expect(queueRefusal(0, 0, limits)).toBeUndefined();
    expect(queueRefusal(1, 3, limits)).toBeUndefined(); // a slot is free: it runs at once
    expect(queueRefusal(2, 2, limits)).toBeUndefined(); // it waits, third in line
  });

  it("refuses when every slot is taken and the line is full", () => {
    const e = queueRefusal(2, 3, limits);
    expect(e).toBeInstanceOf(SandboxError);
    expect(e?.toJSON()).toEqual({
      code: "QUEUE_FULL",
      message: "The playground is full: 2 runs are running and 3 are waiting, as many as it takes.",
      hint: expect.stringContaining("Press Run again in a few minutes"),
    });
  });

  it("has a default that holds a class", () => {
    expect(DEFAULT_LIMITS.runsQueued).toBeGreaterThanOrEqual(DEFAULT_LIMITS.runsTotal);
  });
});
