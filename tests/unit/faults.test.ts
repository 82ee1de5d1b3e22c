// Faults ↔ Toxiproxy toxics: what the engine puts on a link, and how it reads back what is there (the shell's too).
import { describe, expect, it } from "vitest";
import { faultsOf, toxicsOf } from "../../sandbox/faults";
import { describeFault } from "../../lib/shared/faults";

describe("toxics of a fault", () => {
  it("puts latency on both directions and the rest on the answers, named as toxiproxy-cli names them", () => {
    expect(toxicsOf({ type: "latency", latencyMs: 800, jitterMs: 50 })).toEqual([
      { name: "latency_downstream", type: "latency", stream: "downstream", attributes: { latency: 800, jitter: 50 } },
      { name: "latency_upstream", type: "latency", stream: "upstream", attributes: { latency: 800, jitter: 50 } },
    ]);
    expect(toxicsOf({ type: "reset", afterMs: 0 })).toEqual([
      { name: "reset_peer_downstream", type: "reset_peer", stream: "downstream", attributes: { timeout: 0 } },
    ]);
  });

  it("reads back every fault of ours as it was made", () => {
    for (const fault of [
      { type: "latency", latencyMs: 800, jitterMs: 0 },
      { type: "bandwidth", rateKBps: 1 },
      { type: "timeout", timeoutMs: 2000 },
      { type: "reset", afterMs: 10 },
    ] as const) {
      expect(faultsOf(toxicsOf(fault))).toEqual([{ ...fault, name: fault.type }]);
    }
  });

  it("shows half a latency, a toxic of the shell's own naming and junk for what they are", () => {
    const [down] = toxicsOf({ type: "latency", latencyMs: 800, jitterMs: 0 });
    const listed = faultsOf([
      down,
      { name: "slow", type: "slicer", stream: "upstream", attributes: { average_size: 1, delay: "x" } },
      "junk",
      null,
      { name: 42 },
    ]);
    expect(listed).toEqual([
      { type: "other", name: "latency_downstream", toxicType: "latency", attributes: { latency: 800, jitter: 0 } },
      { type: "other", name: "slow", toxicType: "slicer", attributes: { average_size: 1 } },
    ]);
    expect(listed.map(describeFault)).toEqual(["latency_downstream (latency)", "slow (slicer)"]);
  });
});
