// What a hostile run leaves on the engine and the host firewall, read with a separate Docker client and iptables -S.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import Docker from "dockerode";

const exec = promisify(execFile);
export const engine = new Docker();

const OWNER = "playground.owner";
const RUN = "playground.run";

/** The bridge a run's network is given (sandbox/network.ts names it so, and our checks look for that name). */
export function bridgeOf(runId: string): string {
  return `pg${runId}`.slice(0, 15);
}

/** Runs of an owner that exist on the engine right now (its standby included), from their networks and containers. */
export async function ownerRunIds(owner: string): Promise<string[]> {
  const filters = { label: [`${OWNER}=${owner}`] };
  const [networks, containers] = await Promise.all([
    engine.listNetworks({ filters }),
    engine.listContainers({ all: true, filters }),
  ]);
  const ids = new Set<string>();
  for (const n of networks) if (n.Labels?.[RUN]) ids.add(n.Labels[RUN]);
  for (const c of containers) if (c.Labels?.[RUN]) ids.add(c.Labels[RUN]);
  return [...ids];
}

/** Host firewall rules (IPv4 and IPv6, every chain) that name the bridge. */
export async function firewallRules(bridge: string): Promise<string[]> {
  const tools = existsSync("/proc/sys/net/ipv6") ? ["iptables", "ip6tables"] : ["iptables"];
  const out: string[] = [];
  for (const tool of tools) {
    const { stdout } = await exec(tool, ["-w", "5", "-S"]).catch((err: { stdout?: string }) => ({
      stdout: err.stdout ?? "",
    }));
    for (const line of stdout.split("\n")) if (line.includes(`-i ${bridge} `)) out.push(`${tool} ${line}`);
  }
  return out;
}

export interface EngineSnapshot {
  volumes: Set<string>;
}

export async function snapshot(): Promise<EngineSnapshot> {
  const { Volumes } = await engine.listVolumes();
  return { volumes: new Set((Volumes ?? []).map((v) => v.Name)) };
}

/**
 * Everything of these runs (and of their owner) still on the engine or in the firewall: containers, networks, images
 * and volumes by label, anonymous volumes made since `before` that nothing uses, and rules naming their bridges.
 */
export async function leftovers(owner: string, runIds: Iterable<string>, before: EngineSnapshot): Promise<string[]> {
  const found: string[] = [];
  const ids = [...new Set(runIds)];
  const byOwner = { label: [`${OWNER}=${owner}`] };
  for (const c of await engine.listContainers({ all: true, filters: byOwner }))
    found.push(`container ${c.Names[0] ?? c.Id.slice(0, 12)} (${c.State})`);
  for (const n of await engine.listNetworks({ filters: byOwner })) found.push(`network ${n.Name}`);
  for (const id of ids) {
    const byRun = { label: [`${RUN}=${id}`] };
    for (const c of await engine.listContainers({ all: true, filters: byRun }))
      if (c.Labels?.[OWNER] !== owner) found.push(`container ${c.Names[0] ?? c.Id.slice(0, 12)} of run ${id}`);
    for (const img of await engine.listImages({ all: true, filters: byRun }))
      found.push(`image ${img.RepoTags?.[0] ?? img.Id.slice(7, 19)} of run ${id}`);
    const { Volumes } = await engine.listVolumes({ filters: byRun });
    for (const v of Volumes ?? []) found.push(`volume ${v.Name} of run ${id}`);
    for (const rule of await firewallRules(bridgeOf(id))) found.push(`rule ${rule}`);
  }
  const { Volumes } = await engine.listVolumes({ filters: { dangling: ["true"] } });
  for (const v of Volumes ?? []) {
    const anonymous = /^[0-9a-f]{64}$/.test(v.Name);
    if (anonymous && !before.volumes.has(v.Name)) found.push(`anonymous volume ${v.Name.slice(0, 12)}`);
  }
  const { Volumes: labelled } = await engine.listVolumes({ filters: byOwner });
  for (const v of labelled ?? []) found.push(`volume ${v.Name}`);
  return found;
}

/** Polls until nothing is left or the deadline passes (removal finishes after the stop's answer for a standby). */
export async function waitForNoLeftovers(
  owner: string,
  runIds: () => Iterable<string>,
  before: EngineSnapshot,
  timeoutMs: number,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await leftovers(owner, runIds(), before);
    if (found.length === 0 || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Containers of an owner, inspected (to check their user, privileges, mounts and published ports). */
export async function ownerContainers(owner: string): Promise<Docker.ContainerInspectInfo[]> {
  const list = await engine.listContainers({ all: true, filters: { label: [`${OWNER}=${owner}`] } });
  const out: Docker.ContainerInspectInfo[] = [];
  for (const c of list) {
    try {
      out.push(await engine.getContainer(c.Id).inspect());
    } catch {
      // removed meanwhile
    }
  }
  return out;
}

/** The name:tag of a local base image the playground made (golang:…, busybox:…), from the engine. */
export async function localBase(repository: string): Promise<string> {
  const images = await engine.listImages({ filters: { reference: [repository] } });
  const tag = images.flatMap((i) => i.RepoTags ?? []).find((t) => t.startsWith(`${repository}:`));
  if (!tag) throw new Error(`no local ${repository} image: has the sandbox image been set up (npm run setup)?`);
  return tag;
}
