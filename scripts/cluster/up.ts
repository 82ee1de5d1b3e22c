// `up`: brings the single-node cluster up in dependency order and waits for node Ready and CoreDNS, with timings.
import { mkdirSync, writeFileSync } from "node:fs";
import { build, imageArchives } from "./build";
import { ensureCertificates } from "./certs";
import { bootstrapManifest, etcFile, writeConfigs } from "./config";
import { checks, memoryReport } from "./health";
import { readHostRecord, recordHost, setUpHostNetwork } from "./host";
import { COMPONENT_NAMES, daemonPid, daemons, logFile, startDaemon, type Daemon } from "./processes";
import { paths, timeouts } from "./settings";
import { kubectl, progress, run, seconds, tryRun, waitFor } from "./shell";
import { down } from "./teardown";

/** What each daemon must answer before the next one starts. */
const readiness: Record<string, () => Promise<boolean>> = {
  containerd: checks.containerd,
  etcd: checks.etcd,
  "kube-apiserver": checks.apiserverReadyz,
  "kube-controller-manager": checks.controllerManager,
  "kube-scheduler": checks.scheduler,
  kubelet: checks.kubelet,
  "kube-proxy": checks.kubeProxy,
  "kube-router": checks.kubeRouter,
};

async function startAndWait(d: Daemon, t0: number) {
  const pid = startDaemon(d);
  try {
    await waitFor(d.name, timeouts.componentReadyMs, async () => {
      if (daemonPid(d.name) === null) throw new Error(`${d.name} exited; its log: ${logFile(d.name)}`);
      return readiness[d.name]();
    });
  } catch (e) {
    const tail = tryRun("tail", ["-n", "15", logFile(d.name)]) ?? "";
    throw new Error(`${e instanceof Error ? e.message : e}\n--- last lines of ${logFile(d.name)} ---\n${tail}`);
  }
  progress(`${d.name} ready (pid ${pid}, ${seconds(t0)})`);
}

function importImages() {
  for (const archive of Object.values(imageArchives)) {
    run("ctr", ["--address", paths.containerdSocket, "-n", "k8s.io", "images", "import", archive]);
  }
}

export interface UpOptions {
  /** Leave what started running when a step fails (to read its logs); by default a failed `up` runs `down`. */
  keepOnFailure?: boolean;
}

export async function up(opts: UpOptions = {}) {
  await build();
  const running = COMPONENT_NAMES.filter((n) => daemonPid(n) !== null);
  if (running.length === COMPONENT_NAMES.length && (await checks.apiserverReadyz().catch(() => false))) {
    console.log("cluster already up");
    return;
  }
  if (running.length) {
    progress(`a partial cluster is running (${running.join(", ")}): taking it down first`);
    await down();
  } else if (readHostRecord()) {
    // Processes gone without a `down` (killed, or the session ended): clear their mounts, rules and sysctls first.
    progress("an earlier cluster was not taken down: cleaning up after it first");
    await down();
  }
  const t0 = Date.now();
  try {
    const record = recordHost();
    const net = record.net;
    progress(`pods on ${net.podCidr} (gateway and node IP ${net.gateway})`);
    ensureCertificates();
    writeConfigs(net);
    for (const d of [paths.etcdData, paths.kubeletRoot, paths.podLogs, paths.runcRoot, paths.kubectlCache]) {
      mkdirSync(d, { recursive: true, mode: 0o700 });
    }
    setUpHostNetwork(net);
    const all = daemons(net);
    const byName = (n: string) => all.find((d) => d.name === n)!;
    await startAndWait(byName("containerd"), t0);
    importImages();
    await startAndWait(byName("etcd"), t0);
    await startAndWait(byName("kube-apiserver"), t0);
    const apiReady = Date.now();
    for (const n of ["kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy"])
      await startAndWait(byName(n), t0);
    writeFileSync(etcFile("bootstrap.json"), bootstrapManifest(net));
    // The first apply can race the API server's own RBAC bootstrap: retry for a few seconds.
    await waitFor("bootstrap manifest", timeouts.componentReadyMs, async () => {
      kubectl(["apply", "-f", etcFile("bootstrap.json")]);
      return true;
    });
    // After the bootstrap manifest: it holds the controller's permissions.
    await startAndWait(byName("kube-router"), t0);
    await waitFor("node Ready", timeouts.nodeReadyMs, checks.nodeReady);
    const nodeReady = Date.now();
    progress(`node Ready (${seconds(t0)})`);
    await waitFor("CoreDNS ready", timeouts.corednsReadyMs, checks.corednsReady);
    progress(`CoreDNS ready (${seconds(t0)})`);
    console.log(
      `cluster up in ${seconds(t0)}: API server ready at ${((apiReady - t0) / 1000).toFixed(1)} s, node Ready at ${((nodeReady - t0) / 1000).toFixed(1)} s`,
    );
    console.log(memoryReport());
    console.log(`kubeconfig: ${paths.kubeconfig}`);
  } catch (e) {
    if (!opts.keepOnFailure) {
      console.error(
        `cluster up failed: ${e instanceof Error ? e.message : e}\ntaking down what started (logs stay in ${paths.logs})`,
      );
      await down();
    }
    throw e;
  }
}
