// Every sandbox container (services, pods, shells, Dockerfile builds) lives under one cgroup parent whose CPU weight
// is a sixteenth of one ordinary process's. CPU limits bound each container, but a run of three services may still want
// every core of a 2-core machine (three Go builds at once, or a program that floods the collector); under that
// contention the server's own process (pages, sockets, other learners' output) is still given the CPU it asks for.
// Weights only matter when the CPU is contended: an idle machine lets a learner's build use all it is allowed.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type Docker from "dockerode";

/** The cgroup parent under cgroupfs (the engine creates each container's cgroup below it). */
export const SANDBOX_CGROUP = "playground-sandbox";
/**
 * cgroup v1 cpu.shares of the parent: a process of the host has 1024. The engine's own daemons (dockerd, containerd)
 * compete beside the server at the host's weight too, so a class's builds together weigh a sixteenth of one thread.
 */
export const SANDBOX_CPU_SHARES = 64;
/** cgroup v2 cpu.weight of the parent: a process of the host has 100 (shares 64 ≈ weight 6). */
export const SANDBOX_CPU_WEIGHT = 6;

const CGROUP_ROOT = process.env.PLAYGROUND_CGROUP_ROOT ?? "/sys/fs/cgroup";

let prepared: Promise<string | undefined> | undefined;

/**
 * The cgroup parent to give every sandbox container, its weight set; undefined where the engine's cgroups are not
 * ours to arrange (the systemd driver, or no write access), said once on the server's log. Never fails a run: the
 * weight protects the server's responsiveness, while each container's own limits stay what bounds a learner.
 */
export function sandboxCgroupParent(d: Docker): Promise<string | undefined> {
  prepared ??= prepare(d).catch((err: unknown) => {
    console.warn(`[sandbox] sandbox containers keep the engine's default CPU weight: ${(err as Error).message}`);
    return undefined;
  });
  return prepared;
}

async function prepare(d: Docker): Promise<string | undefined> {
  const info = (await d.info()) as { CgroupDriver?: string; CgroupVersion?: string };
  if (info.CgroupDriver !== "cgroupfs")
    throw new Error(`the engine's cgroup driver is ${info.CgroupDriver ?? "unknown"}`);
  if (info.CgroupVersion === "2") {
    const dir = path.join(CGROUP_ROOT, SANDBOX_CGROUP);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "cpu.weight"), String(SANDBOX_CPU_WEIGHT));
  } else {
    const dir = path.join(CGROUP_ROOT, "cpu", SANDBOX_CGROUP);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "cpu.shares"), String(SANDBOX_CPU_SHARES));
  }
  return `/${SANDBOX_CGROUP}`;
}
