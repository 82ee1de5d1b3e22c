// The run network's firewall rules: which rules, and that a failure to install or verify them refuses the run.
import { describe, expect, it } from "vitest";
import { addIsolation, bridgesWithRules, isolationRules, removeIsolation, type FirewallExec } from "@/sandbox/network";
import { SandboxError } from "@/sandbox/errors";

/** A firewall in memory: -I adds, -D removes, -C checks, -S lists; `fail` makes matching commands fail. */
function fakeFirewall(fail?: (tool: string, args: string[]) => boolean) {
  const rules = new Set<string>();
  const calls: string[] = [];
  const run: FirewallExec = async (tool, args) => {
    calls.push(`${tool} ${args.join(" ")}`);
    if (fail?.(tool, args)) throw Object.assign(new Error("failed"), { stderr: `${tool}: Permission denied\n` });
    const [op, chain, ...spec] = args;
    const key = `${tool} ${chain} ${spec.join(" ")}`;
    if (op === "-I") rules.add(key);
    else if (op === "-D") {
      if (!rules.delete(key)) throw new Error("Bad rule");
    } else if (op === "-C") {
      if (!rules.has(key)) throw new Error("Bad rule (does a matching rule exist in that chain?)");
    } else if (op === "-S") {
      return [...rules]
        .filter((r) => r.startsWith(`${tool} ${chain} `))
        .map((r) => `-A ${r.slice(tool.length + 1)}\n`)
        .join("");
    }
    return "";
  };
  return { rules, calls, run };
}

describe("isolationRules", () => {
  it("drops forwarding and new connections to the host for IPv4", () => {
    const rules = isolationRules("pgabc", false);
    expect(rules).toEqual([
      { tool: "iptables", chain: "DOCKER-USER", spec: ["-i", "pgabc", "!", "-o", "pgabc", "-j", "DROP"] },
      { tool: "iptables", chain: "INPUT", spec: ["-i", "pgabc", "-m", "conntrack", "--ctstate", "NEW", "-j", "DROP"] },
    ]);
  });

  it("drops everything from the bridge for IPv6 when the host has it", () => {
    const v6 = isolationRules("pgabc", true).filter((r) => r.tool === "ip6tables");
    expect(v6.map((r) => r.chain).sort()).toEqual(["FORWARD", "INPUT"]);
    for (const r of v6) expect(r.spec).toEqual(["-i", "pgabc", "-j", "DROP"]);
  });
});

describe("addIsolation", () => {
  it("installs every rule and verifies each one", async () => {
    const fw = fakeFirewall();
    await addIsolation("pg123", fw.run);
    const expected = isolationRules("pg123");
    expect(fw.rules.size).toBe(expected.length);
    expect(fw.calls.filter((c) => c.includes(" -C ")).length).toBe(expected.length);
    expect(await bridgesWithRules(fw.run)).toEqual(["pg123"]);
    await removeIsolation("pg123", fw.run);
    expect(fw.rules.size).toBe(0);
  });

  it("fails closed when a rule cannot be installed, and removes the ones it added", async () => {
    const fw = fakeFirewall((_tool, args) => args[0] === "-I" && args[1] === "INPUT");
    const err = await addIsolation("pg123", fw.run).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxError);
    expect((err as SandboxError).code).toBe("ISOLATION_FAILED");
    expect((err as SandboxError).message).toMatch(/could not be isolated.*nothing was started.*Permission denied/);
    expect(fw.rules.size).toBe(0);
  });

  it("fails closed when a rule is installed but does not verify", async () => {
    const fw = fakeFirewall((tool, args) => tool === "iptables" && args[0] === "-C" && args[1] === "DOCKER-USER");
    await expect(addIsolation("pg123", fw.run)).rejects.toMatchObject({ code: "ISOLATION_FAILED" });
    expect(fw.rules.size).toBe(0);
  });

  it("fails closed when the firewall tool is missing entirely", async () => {
    const fw = fakeFirewall(() => true);
    await expect(addIsolation("pg123", fw.run)).rejects.toMatchObject({ code: "ISOLATION_FAILED" });
  });
});
