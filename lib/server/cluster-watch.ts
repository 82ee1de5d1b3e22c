// Keeps every page told whether the Kubernetes cluster is ready, and how far its build or start has got: lesson 16.8.2
// shows that and becomes runnable when it is ready, while the site and every other lesson go on without it.
import { readFileSync, statSync } from "node:fs";
import { clusterStatus, localCluster, reapClusterOrphans } from "../../sandbox/index";
import type { ClusterStatusView } from "../shared/socket-protocol";

/** Asked this often while the cluster is not ready (a build or start moves fast), and when it is. */
const POLL_STARTING_MS = 2_000;
const POLL_READY_MS = 15_000;
/** A progress log written to this recently means a build or start is under way. */
const PROGRESS_FRESH_MS = 5 * 60_000;
/** Lines of progress a page shows. */
const PROGRESS_LINES = 6;

function progressLines(): string[] | undefined {
  try {
    if (Date.now() - statSync(localCluster.progressLog).mtimeMs > PROGRESS_FRESH_MS) return undefined;
    const lines = readFileSync(localCluster.progressLog, "utf8").trim().split("\n").filter(Boolean);
    if (lines.length === 0 || /cluster (ready|failed)/.test(lines[lines.length - 1])) return undefined;
    // "2026-12-03T16:40:00.000Z  etcd ready (…)" → "etcd ready (…)"
    return lines.slice(-PROGRESS_LINES).map((l) => l.replace(/^\S+\s+/, ""));
  } catch {
    return undefined;
  }
}

export function watchCluster(onChange: (status: ClusterStatusView) => void, log: (line: string) => void): () => void {
  let last = "";
  let reaped = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const check = async (): Promise<void> => {
    const s = await clusterStatus();
    let view: ClusterStatusView;
    if (s.ready) view = { state: "ready", name: s.name };
    else {
      const progress = progressLines();
      view = progress
        ? { state: "starting", name: s.name, detail: s.detail ?? "", progress }
        : { state: "absent", name: s.name, detail: s.detail ?? "" };
    }
    const key = JSON.stringify(view);
    if (key !== last) {
      last = key;
      if (view.state === "ready") log(`Kubernetes: ${view.name} is ready`);
      onChange(view);
    }
    if (s.ready && !reaped) {
      reaped = true;
      const n = await reapClusterOrphans().catch(() => 0);
      if (n > 0) log(`removed ${n} namespaces an earlier server process left in the cluster`);
    }
    if (!stopped) timer = setTimeout(() => void check(), s.ready ? POLL_READY_MS : POLL_STARTING_MS);
    timer?.unref();
  };
  void check();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
