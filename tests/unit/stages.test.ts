import { describe, expect, it } from "vitest";
import { canMove, isFinal, StageMachine } from "../../sandbox/stages";

describe("service stage machine", () => {
  it("walks the happy path", () => {
    const m = new StageMachine();
    for (const s of ["building", "starting", "running", "stopped"] as const) expect(m.move(s)).toBe(true);
    expect(m.stage).toBe("stopped");
  });

  it("may fail from any live stage", () => {
    for (const from of ["queued", "building", "starting", "running"] as const)
      expect(canMove(from, "failed")).toBe(true);
  });

  it("never leaves a final stage, and never goes back", () => {
    const m = new StageMachine();
    m.move("building");
    m.move("failed");
    expect(m.move("running")).toBe(false);
    expect(m.move("stopped")).toBe(false);
    expect(m.stage).toBe("failed");
    expect(canMove("running", "building")).toBe(false);
    expect(canMove("queued", "running")).toBe(false);
    expect(isFinal("failed") && isFinal("stopped") && !isFinal("running")).toBe(true);
  });
});
