// A run's network isolation on the real host firewall: in place while it runs, gone after, and a run whose rules
// cannot be installed never starts a container (it fails closed with a message the learner can read).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { startRun } from "../../sandbox/index";
import { bridgeName, hostHasIpv6 } from "../../sandbox/network";
import { collect, FIXTURES, leftovers, logText, sandboxHooks, waitFor } from "./helpers";

const exec = promisify(execFile);

async function rulesFor(tool: "iptables" | "ip6tables", bridge: string): Promise<string[]> {
  const { stdout } = await exec(tool, ["-w", "5", "-S"]);
  return stdout.split("\n").filter((line) => line.includes(`-i ${bridge} `));
}

sandboxHooks({ reap: true });

describe("run network isolation", () => {
  it("holds IPv4 and IPv6 rules for the run's bridge while it runs, and removes them with the run", async () => {
    const r = await startRun("sleeper", null, { owner: "it-isolation", lessonsRoot: FIXTURES });
    await r.whenAllRunning();
    const bridge = bridgeName(r.id);
    const v4 = await rulesFor("iptables", bridge);
    expect(v4.some((l) => l.startsWith("-A DOCKER-USER") && l.includes("-j DROP"))).toBe(true);
    expect(v4.some((l) => l.startsWith("-A INPUT") && l.includes("NEW") && l.includes("-j DROP"))).toBe(true);
    if (hostHasIpv6()) {
      const v6 = await rulesFor("ip6tables", bridge);
      expect(v6.some((l) => l.startsWith("-A INPUT") && l.includes("-j DROP"))).toBe(true);
      expect(v6.some((l) => l.startsWith("-A FORWARD") && l.includes("-j DROP"))).toBe(true);
    }
    await r.stop();
    expect(await rulesFor("iptables", bridge)).toEqual([]);
    if (hostHasIpv6()) expect(await rulesFor("ip6tables", bridge)).toEqual([]);
    expect(await leftovers(r.id)).toEqual({ containers: 0, networks: 0 });
  });

  it("refuses to start anything when the firewall rules cannot be installed", async () => {
    const saved = process.env.PLAYGROUND_IPTABLES;
    process.env.PLAYGROUND_IPTABLES = "/bin/false";
    try {
      const r = await startRun("sleeper", null, { owner: "it-isolation-broken", lessonsRoot: FIXTURES });
      const events = collect(r);
      const failed = await waitFor(events, (e) => e.type === "stage" && e.stage === "failed", 60_000);
      expect(failed).toMatchObject({ detail: expect.stringMatching(/could not be isolated, so nothing was started/) });
      await waitFor(events, (e) => e.type === "ended", 30_000);
      expect(logText(events)).toMatch(/could not be isolated/);
      expect(events.some((e) => e.type === "stage" && (e.stage === "building" || e.stage === "running"))).toBe(false);
      expect(await leftovers(r.id)).toEqual({ containers: 0, networks: 0 });
      expect(await rulesFor("iptables", bridgeName(r.id))).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.PLAYGROUND_IPTABLES;
      else process.env.PLAYGROUND_IPTABLES = saved;
    }
  });
});
