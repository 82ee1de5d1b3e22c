// One private Docker network per run: containers reach each other by name, nothing else.
// Ports must be published (so no --internal, moby #36174); instead masquerade is off and two host firewall
// rules for the run's bridge drop traffic leaving it and new connections from it to the host.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { docker, isNotFound } from "./docker";

const run = promisify(execFile);

export function bridgeName(runId: string): string {
  return `pg${runId}`.slice(0, 15);
}

/** The iptables rules (as argument lists, without -I/-D) that isolate one run's bridge. */
export function isolationRules(bridge: string): string[][] {
  return [
    // No forwarding from the run's bridge to any other interface: no internet, no other runs.
    ["DOCKER-USER", "-i", bridge, "!", "-o", bridge, "-j", "DROP"],
    // No new connections from containers to the host (its services, the app, the engine's API on TCP).
    ["INPUT", "-i", bridge, "-m", "conntrack", "--ctstate", "NEW", "-j", "DROP"],
  ];
}

async function iptables(args: string[]): Promise<void> {
  await run("iptables", ["-w", "5", ...args]);
}

export async function addIsolation(bridge: string): Promise<void> {
  for (const rule of isolationRules(bridge)) {
    const [chain, ...spec] = rule;
    await iptables(["-I", chain, ...spec]);
  }
}

export async function removeIsolation(bridge: string): Promise<void> {
  for (const rule of isolationRules(bridge)) {
    const [chain, ...spec] = rule;
    // A rule may already be gone (a second stop, or the reaper); that is fine.
    await iptables(["-D", chain, ...spec]).catch(() => {});
  }
}

/** Bridges named by our rules, for the reaper to clean up rules whose run is gone. */
export async function bridgesWithRules(): Promise<string[]> {
  const found = new Set<string>();
  for (const chain of ["DOCKER-USER", "INPUT"]) {
    try {
      const { stdout } = await run("iptables", ["-w", "5", "-S", chain]);
      for (const m of stdout.matchAll(/-i (pg[0-9a-f]+) /g)) found.add(m[1]);
    } catch {
      // The chain may not exist where Docker has not set up its own rules yet.
    }
  }
  return [...found];
}

export async function createRunNetwork(
  runId: string,
  labels: Record<string, string>,
): Promise<{ id: string; name: string; bridge: string }> {
  const d = await docker();
  const name = `playground-${runId}`;
  const bridge = bridgeName(runId);
  const network = await d.createNetwork({
    Name: name,
    Driver: "bridge",
    CheckDuplicate: true,
    Labels: labels,
    Options: {
      "com.docker.network.bridge.name": bridge,
      "com.docker.network.bridge.enable_ip_masquerade": "false",
    },
  });
  return { id: network.id, name, bridge };
}

export async function removeNetwork(id: string): Promise<void> {
  const d = await docker();
  try {
    await d.getNetwork(id).remove();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
