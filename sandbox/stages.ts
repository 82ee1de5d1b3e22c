// The stage machine of one service: which stage may follow which. A rejected move is a bug, not a learner error.
import type { ServiceStage } from "./types";

const NEXT: Record<ServiceStage, readonly ServiceStage[]> = {
  queued: ["building", "failed", "stopped"],
  building: ["starting", "failed", "stopped"],
  starting: ["running", "failed", "stopped"],
  running: ["failed", "stopped"],
  failed: [],
  stopped: [],
};

export function canMove(from: ServiceStage, to: ServiceStage): boolean {
  return NEXT[from].includes(to);
}

export function isFinal(stage: ServiceStage): boolean {
  return NEXT[stage].length === 0;
}

export class StageMachine {
  private current: ServiceStage = "queued";

  get stage(): ServiceStage {
    return this.current;
  }

  /** Moves to `to` if allowed; returns whether it moved (late events after a stop are ignored). */
  move(to: ServiceStage): boolean {
    if (!canMove(this.current, to)) return false;
    this.current = to;
    return true;
  }
}
