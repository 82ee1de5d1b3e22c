// Removes what a previous (or crashed) server process left behind: labelled containers, networks, firewall rules,
// images built from a learner's Dockerfile, and intermediate images of builds that were cut off.
import type Docker from "dockerode";
import { APP_FILTER, OWNER_PID_LABEL, RUN_LABEL } from "./labels";
import { bridgeName, bridgesWithRules, execFirewall, removeIsolation, type FirewallExec } from "./network";

/**
 * An untagged image that carries the playground's label (inherited from a local base image) but no run's is an
 * intermediate of a build; a build ends well within this time, so one this old was abandoned.
 */
const ABANDONED_BUILD_MS = 30 * 60 * 1000;

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A resource is an orphan when no live run of this process owns it and the process that made it is gone. */
function isOrphan(labels: Record<string, string> | undefined, live: Set<string>): boolean {
  const runId = labels?.[RUN_LABEL];
  if (!runId) return false;
  if (live.has(runId)) return false;
  const pid = Number(labels?.[OWNER_PID_LABEL]);
  return pid === process.pid || !processAlive(pid);
}

export interface Reaped {
  containers: number;
  networks: number;
  images: number;
}

/** The reaper on one engine, for DockerBackend: everything labelled as the playground's and owned by nobody alive. */
export async function reapDockerOrphans(
  d: Docker,
  live: Set<string>,
  firewall: FirewallExec = execFirewall,
): Promise<Reaped> {
  const containers = (await d.listContainers({ all: true, filters: APP_FILTER })).filter((c) =>
    isOrphan(c.Labels, live),
  );
  await Promise.all(
    containers.map((c) =>
      d
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => {}),
    ),
  );

  const networks = (await d.listNetworks({ filters: APP_FILTER })).filter((n) => isOrphan(n.Labels, live));
  for (const n of networks)
    await d
      .getNetwork(n.Id)
      .remove()
      .catch(() => {});

  // Firewall rules for bridges whose network is gone.
  const remaining = await d.listNetworks({ filters: APP_FILTER });
  // A live run's rules are kept even before its network exists: they are installed first.
  const keep = new Set([...remaining.map((n) => n.Labels?.[RUN_LABEL] ?? ""), ...live].map(bridgeName));
  for (const bridge of await bridgesWithRules(firewall)) if (!keep.has(bridge)) await removeIsolation(bridge, firewall);

  // After the containers: an image still used by a container cannot be removed.
  const built = (await d.listImages({ filters: APP_FILTER })).filter((i) => isOrphan(i.Labels, live));
  const cutoff = Date.now() - ABANDONED_BUILD_MS;
  const abandoned = (await d.listImages({ filters: { ...APP_FILTER, dangling: ["true"] } })).filter(
    (i) => !i.Labels?.[RUN_LABEL] && i.Created * 1000 < cutoff,
  );
  let images = 0;
  for (const image of [...built, ...abandoned]) {
    try {
      await d.getImage(image.Id).remove({ force: built.includes(image), noprune: false });
      images++;
    } catch {
      // In use by a container of another process, or pruned already with a child.
    }
  }

  return { containers: containers.length, networks: networks.length, images };
}
