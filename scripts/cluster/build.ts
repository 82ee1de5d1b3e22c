// Builds the cluster's binaries and images once, from the Go module proxy and Debian packages, cached by their inputs.
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeOneLayerImage } from "./image";
import {
  BUILD_DIR,
  CACHE_DIR,
  COREDNS_IMAGE,
  COREDNS_VERSION,
  GO_BUILD_PARALLELISM,
  KUBERNETES_VERSION,
  KUBE_ROUTER_VERSION,
  PAUSE_IMAGE,
  paths,
} from "./settings";
import { progress, run, runAsync, seconds, tryRun } from "./shell";

/** What `up` needs from the cache; build() makes any that is missing or stale. */
export const binaries = {
  kubernetes: ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "kubectl"],
  etcd: ["etcd", "etcdctl"],
  coredns: ["coredns"],
  criTools: ["crictl"],
  kubeRouter: ["kube-router"],
  pause: ["pause"],
};
export const imageArchives = {
  pause: path.join(paths.images, "pause.tar"),
  coredns: path.join(paths.images, "coredns.tar"),
};
const CNI_PLUGINS = ["bridge", "host-local", "firewall", "portmap", "loopback"];
/** The pause container has nothing to do but wait; this version string is what `pause -v` prints. */
const PAUSE_VERSION = "3.10-playground";

function goEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOMODCACHE: paths.goModCache,
    GOCACHE: paths.goBuildCache,
    // go.sum is committed: a build never edits the wrapper modules; -modcacherw lets `down`/a rebuild delete the cache.
    GOFLAGS: "-mod=readonly -modcacherw",
    GOTOOLCHAIN: "local",
    CGO_ENABLED: "0",
  };
}

/** A key over every input of a group: a changed version, module, source file, flag or Go release rebuilds it. */
function inputKey(parts: (string | Buffer)[]): string {
  const h = createHash("sha256");
  h.update(tryRun("go", ["version"]) ?? "no go");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex").slice(0, 16);
}

function moduleInputs(dir: string): Buffer[] {
  const abs = path.join(BUILD_DIR, dir);
  return readdirSync(abs)
    .sort()
    .map((f) => readFileSync(path.join(abs, f)));
}

const keyFile = (group: string) => path.join(paths.bin, `.${group}.key`);
function isFresh(group: string, key: string, outputs: string[]): boolean {
  return (
    existsSync(keyFile(group)) && readFileSync(keyFile(group), "utf8") === key && outputs.every((o) => existsSync(o))
  );
}

function kubernetesLdflags(): string {
  // The module's publication time as build date: fixed, so the same inputs give the same binaries.
  const info = run("go", ["list", "-m", "-json", "k8s.io/kubernetes"], {
    cwd: path.join(BUILD_DIR, "kubernetes"),
    env: goEnv(),
  });
  const buildDate = (JSON.parse(info) as { Time: string }).Time;
  const [major, minor] = KUBERNETES_VERSION.replace(/^v/, "").split(".");
  // Without these the binaries call themselves v0.0.0-master+$Format and `kubectl version` fails.
  const vars = { gitVersion: KUBERNETES_VERSION, gitMajor: major, gitMinor: minor, gitTreeState: "clean", buildDate };
  const flags = ["-s", "-w"];
  for (const pkg of ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"]) {
    for (const [k, v] of Object.entries(vars)) flags.push(`-X ${pkg}.${k}=${v}`);
  }
  return flags.join(" ");
}

async function goBuild(moduleDir: string, name: string, pkg: string, ldflags: string) {
  const started = Date.now();
  progress(`compiling ${name} …`);
  const ticker = setInterval(() => progress(`… ${name} still compiling (${seconds(started)})`), 60_000);
  const out = path.join(paths.bin, `${name}.tmp`);
  try {
    await runAsync(
      "go",
      ["build", "-p", String(GO_BUILD_PARALLELISM), "-trimpath", "-ldflags", ldflags, "-o", out, pkg],
      { cwd: path.join(BUILD_DIR, moduleDir), env: goEnv() },
    );
  } finally {
    clearInterval(ticker);
  }
  renameSync(out, path.join(paths.bin, name));
  progress(`${name} built in ${seconds(started)}`);
}

async function buildGroup(group: string, moduleDir: string, targets: [string, string][], ldflags: string) {
  const key = inputKey([...moduleInputs(moduleDir), ldflags, readFileSync(path.join(BUILD_DIR, "versions.env"))]);
  if (
    isFresh(
      group,
      key,
      targets.map(([n]) => path.join(paths.bin, n)),
    )
  )
    return false;
  for (const [name, pkg] of targets) await goBuild(moduleDir, name, pkg, ldflags);
  writeFileSync(keyFile(group), key);
  return true;
}

function buildPause(): boolean {
  const source = path.join(paths.goModCache, `k8s.io/kubernetes@${KUBERNETES_VERSION}`, "build/pause/linux/pause.c");
  const out = path.join(paths.bin, "pause");
  if (!existsSync(source))
    run("go", ["mod", "download", "k8s.io/kubernetes"], { cwd: path.join(BUILD_DIR, "kubernetes"), env: goEnv() });
  const key = inputKey([readFileSync(source), PAUSE_VERSION, tryRun("gcc", ["--version"]) ?? ""]);
  if (isFresh("pause", key, [out])) return false;
  progress("compiling pause (gcc -static)");
  run("gcc", ["-Os", "-Wall", "-static", `-DVERSION=v${PAUSE_VERSION}`, "-o", out, source]);
  run("strip", [out]);
  writeFileSync(keyFile("pause"), key);
  return true;
}

function buildImages(force: boolean) {
  const specs = [
    { out: imageArchives.pause, name: PAUSE_IMAGE, bin: "pause", entrypoint: ["/pause"], user: "65535:65535" },
    // Root inside the pod (CoreDNS binds port 53), but the pod drops every capability but NET_BIND_SERVICE.
    { out: imageArchives.coredns, name: COREDNS_IMAGE, bin: "coredns", entrypoint: ["/coredns"], user: "" },
  ];
  for (const s of specs) {
    const binary = path.join(paths.bin, s.bin);
    if (!force && existsSync(s.out) && statSync(s.out).mtimeMs >= statSync(binary).mtimeMs) continue;
    writeOneLayerImage(
      {
        name: s.name,
        files: [{ target: `/${s.bin}`, source: binary, mode: 0o755 }],
        entrypoint: s.entrypoint,
        user: s.user,
      },
      s.out,
    );
    progress(`image ${s.name} written (${(statSync(s.out).size / 1e6).toFixed(1)} MB)`);
  }
}

/** Debian's CNI plugins, unpacked into the cache: `apt-get download` + `dpkg -x` installs nothing and starts nothing. */
function fetchCniPlugins(): boolean {
  const stamp = path.join(CACHE_DIR, "cni", ".version");
  if (existsSync(stamp) && CNI_PLUGINS.every((p) => existsSync(path.join(paths.cniBin, p)))) return false;
  const tmp = mkdtempSync(path.join(os.tmpdir(), "pg-cni-"));
  try {
    progress("downloading Debian's containernetworking-plugins");
    if (tryRun("apt-get", ["download", "containernetworking-plugins"], { cwd: tmp }) === null) {
      run("apt-get", ["update", "-qq"]);
      run("apt-get", ["download", "containernetworking-plugins"], { cwd: tmp });
    }
    const deb = readdirSync(tmp).find((f) => f.endsWith(".deb"));
    if (!deb) throw new Error("apt-get download gave no containernetworking-plugins package");
    rmSync(path.join(CACHE_DIR, "cni"), { recursive: true, force: true });
    mkdirSync(path.join(CACHE_DIR, "cni"), { recursive: true });
    run("dpkg", ["-x", path.join(tmp, deb), path.join(CACHE_DIR, "cni")]);
    writeFileSync(stamp, run("dpkg-deb", ["-f", path.join(tmp, deb), "Version"]).trim());
    progress(`CNI plugins ${readFileSync(stamp, "utf8")} unpacked`);
    return true;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Makes everything `up` needs; a second call with the same inputs does nothing and says so. */
export async function build() {
  const started = Date.now();
  mkdirSync(paths.bin, { recursive: true });
  const k8s = (cmd: string) => `k8s.io/kubernetes/cmd/${cmd}`;
  let changed = false;
  changed =
    (await buildGroup(
      "etcd",
      "etcd",
      [
        ["etcd", "go.etcd.io/etcd/server/v3"],
        ["etcdctl", "go.etcd.io/etcd/etcdctl/v3"],
      ],
      "-s -w",
    )) || changed;
  changed =
    (await buildGroup(
      "kubernetes",
      "kubernetes",
      binaries.kubernetes.map((b) => [b, k8s(b)] as [string, string]),
      kubernetesLdflags(),
    )) || changed;
  changed =
    (await buildGroup(
      "coredns",
      "coredns",
      [["coredns", "."]],
      `-s -w -X github.com/coredns/coredns/coremain.GitCommit=${COREDNS_VERSION}`,
    )) || changed;
  changed =
    (await buildGroup("cri-tools", "cri-tools", [["crictl", "sigs.k8s.io/cri-tools/cmd/crictl"]], "-s -w")) || changed;
  changed =
    (await buildGroup(
      "kube-router",
      "kube-router",
      [["kube-router", "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router"]],
      `-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=${KUBE_ROUTER_VERSION}`,
    )) || changed;
  changed = buildPause() || changed;
  buildImages(changed);
  changed = fetchCniPlugins() || changed;
  console.log(
    changed
      ? `cluster binaries built in ${seconds(started)} (${paths.bin})`
      : `cluster binaries up to date (${paths.bin})`,
  );
}

export function builtAlready(): boolean {
  const all = Object.values(binaries).flat();
  return all.every((b) => existsSync(path.join(paths.bin, b))) && Object.values(imageArchives).every(existsSync);
}
