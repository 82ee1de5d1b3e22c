// One private Docker network per run: containers reach each other by name, nothing else.
// Ports must be published (so no --internal, moby #36174); instead masquerade is off and host firewall rules for
// the run's bridge drop traffic leaving it and new connections from it to the host, for IPv4 and IPv6 alike. The
// rules are verified before any learner container starts: a run whose isolation cannot be proven does not start.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { isNotFound } from "./docker";
import { SandboxError } from "./errors";

const exec = promisify(execFile);

export type FirewallTool = "iptables" | "ip6tables";

/** One rule: the tool, its chain, and the match/target arguments (without -I/-D/-C). */
export interface FirewallRule {
  tool: FirewallTool;
  chain: string;
  spec: string[];
}

/** Runs one firewall command; injectable so the fail-closed path is tested without breaking the host's firewall. */
export type FirewallExec = (tool: FirewallTool, args: string[]) => Promise<string>;

/**
 * The binaries, overridable by the operator (e.g. a wrapper on a host where they live elsewhere). Pointing one at a
 * program that fails makes every run fail closed, which is how the tests prove that path.
 */
function binary(tool: FirewallTool): string {
  return (tool === "iptables" ? process.env.PLAYGROUND_IPTABLES : process.env.PLAYGROUND_IP6TABLES) ?? tool;
}

export const execFirewall: FirewallExec = async (tool, args) =>
  (await exec(binary(tool), ["-w", "5", ...args], { timeout: 15_000 })).stdout;

export function bridgeName(runId: string): string {
  return `pg${runId}`.slice(0, 15);
}

/** True when the kernel speaks IPv6 at all (then a bridge has a link-local address the host answers on). */
export function hostHasIpv6(): boolean {
  return existsSync("/proc/sys/net/ipv6");
}

/** The rules that isolate one run's bridge. */
export function isolationRules(bridge: string, ipv6 = hostHasIpv6()): FirewallRule[] {
  const rules: FirewallRule[] = [
    // No forwarding from the run's bridge to any other interface: no internet, no other runs.
    { tool: "iptables", chain: "DOCKER-USER", spec: ["-i", bridge, "!", "-o", bridge, "-j", "DROP"] },
    // No new connections from containers to the host (its services, the app, the engine's API on TCP).
    { tool: "iptables", chain: "INPUT", spec: ["-i", bridge, "-m", "conntrack", "--ctstate", "NEW", "-j", "DROP"] },
  ];
  if (ipv6) {
    // The engine turns IPv6 off inside containers of an IPv4 network, and so does our own sysctl; these rules hold
    // even if a future engine or network option turns it back on (the bridge always has a link-local address).
    rules.push(
      { tool: "ip6tables", chain: "FORWARD", spec: ["-i", bridge, "-j", "DROP"] },
      { tool: "ip6tables", chain: "INPUT", spec: ["-i", bridge, "-j", "DROP"] },
    );
  }
  return rules;
}

function firstLine(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr || e.message || String(err)).trim().split("\n")[0];
}

/**
 * Installs the run's rules and proves each one is in place (`-C`). On any failure the rules already added are
 * removed again and the run is refused: isolation never fails open.
 */
export async function addIsolation(bridge: string, run: FirewallExec = execFirewall): Promise<void> {
  const rules = isolationRules(bridge);
  const added: FirewallRule[] = [];
  try {
    for (const rule of rules) {
      await run(rule.tool, ["-I", rule.chain, ...rule.spec]);
      added.push(rule);
    }
    for (const rule of rules) await run(rule.tool, ["-C", rule.chain, ...rule.spec]);
  } catch (err) {
    await removeRules(added, run);
    throw new SandboxError(
      "ISOLATION_FAILED",
      `The run's network could not be isolated, so nothing was started (${firstLine(err)}).`,
      "The server needs iptables and ip6tables and the right to change the host firewall (root). " +
        "Ask whoever runs the playground to check its console.",
    );
  }
}

async function removeRules(rules: FirewallRule[], run: FirewallExec): Promise<void> {
  for (const rule of rules) {
    // A rule may already be gone (a second stop, or the reaper); that is fine.
    await run(rule.tool, ["-D", rule.chain, ...rule.spec]).catch(() => {});
  }
}

export async function removeIsolation(bridge: string, run: FirewallExec = execFirewall): Promise<void> {
  await removeRules(isolationRules(bridge), run);
}

/** Bridges named by our rules, for the reaper to clean up rules whose run is gone. */
export async function bridgesWithRules(run: FirewallExec = execFirewall): Promise<string[]> {
  const found = new Set<string>();
  const chains = new Map<string, FirewallRule>();
  for (const rule of isolationRules("x")) chains.set(`${rule.tool} ${rule.chain}`, rule);
  for (const { tool, chain } of chains.values()) {
    try {
      const stdout = await run(tool, ["-S", chain]);
      for (const m of stdout.matchAll(/-i (pg[0-9a-f]+) /g)) found.add(m[1]);
    } catch {
      // The chain may not exist where Docker has not set up its own rules yet.
    }
  }
  return [...found];
}

export async function createRunNetwork(
  d: Docker,
  runId: string,
  labels: Record<string, string>,
): Promise<{ id: string; name: string; bridge: string }> {
  const name = `playground-${runId}`;
  const bridge = bridgeName(runId);
  const network = await d.createNetwork({
    Name: name,
    Driver: "bridge",
    CheckDuplicate: true,
    EnableIPv6: false,
    Labels: labels,
    Options: {
      "com.docker.network.bridge.name": bridge,
      "com.docker.network.bridge.enable_ip_masquerade": "false",
    },
  });
  return { id: network.id, name, bridge };
}

export async function removeNetwork(d: Docker, id: string): Promise<void> {
  try {
    await d.getNetwork(id).remove();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
