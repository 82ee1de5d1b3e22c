// The local rendition of a lesson's Kubernetes manifests on Docker (not a cluster): validates them, builds each
// image a Deployment names from the lesson's Dockerfile, runs `replicas` sandboxed containers named like pods,
// probes them as a kubelet would (readiness → the Service's endpoints, liveness → a restart), and serves each
// Service as a round-robin port on 127.0.0.1 that forwards only to ready pods.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { connect } from "node:net";
import type { Backend, RunNetwork, SandboxProcess } from "../backend";
import { builtImageTag, formatBytes, NON_ROOT_FALLBACK } from "../dockerfile-build";
import { SERVICE_LABEL } from "../labels";
import { buildLearnerImage } from "../learner-image";
import type { Limits } from "../limits";
import { OutputBudget, type StreamKind } from "../streams";
import type { Diagnostic, LessonFiles, ServiceStage } from "../types";
import type { KubernetesSpec } from "../../lib/shared/lesson-schema";
import {
  containerEnv,
  containerLimits,
  crashBackoffMs,
  MAX_PODS,
  podName,
  probeStatusOk,
  ProbeState,
  probeTiming,
  templateHash,
} from "./model";
import { ServiceProxy, type Endpoint } from "./proxy";
import {
  formatProblem,
  portsToPublish,
  resolvePort,
  secretValues,
  validateManifests,
  type ContainerSpec,
  type DeploymentSpec,
  type K8sObject,
  type K8sProblem,
  type ProbeSpec,
  type ServiceSpecK8s,
} from "./validate";

const POD_TMPFS = `rw,noexec,nosuid,nodev,size=${64 * 1024 * 1024},mode=1777`;
/** A pod's output line is held until its newline up to this length, then passed on in parts. */
const POD_LINE_MAX = 64 * 1024;
/** Seconds a pod gets between SIGTERM and SIGKILL (terminationGracePeriodSeconds, shortened for the sandbox). */
const GRACE_SECONDS = 2;

/** What the rendition needs of the run that hosts it. */
export interface RenditionHost {
  runId: string;
  lessonSlug: string;
  limits: Limits;
  backend: Backend;
  startedAt: () => number;
  network: () => RunNetwork | undefined;
  containerLabels: () => Record<string, string>;
  imageLabels: () => Record<string, string>;
  stopping: () => boolean;
  system: (text: string, service: string) => void;
  log: (service: string, stream: StreamKind, text: string) => void;
  diagnostics: (service: string, list: Diagnostic[]) => void;
  setStage: (service: string, stage: ServiceStage, detail?: string) => void;
  setPort: (service: string, hostPort: number) => void;
}

interface Pod {
  name: string;
  deployment: string;
  spec: ContainerSpec;
  image: string;
  user: string;
  env: Record<string, string>;
  limits: { memoryBytes: number; cpus: number };
  process?: SandboxProcess;
  /** containerPort → its published port on 127.0.0.1. */
  hostPorts: Map<number, number>;
  ready: boolean;
  restarts: number;
  /** Bumped on every (re)start: probe loops of an older start end by themselves. */
  generation: number;
  /** Set when a liveness failure stopped the container: it comes back at once, not after a crash backoff. */
  killedForLiveness: boolean;
  lastReadinessFailure?: string;
  budget: OutputBudget;
  partial: Record<StreamKind, string>;
  timers: Set<NodeJS.Timeout>;
}

interface RenderedService {
  name: string;
  object: K8sObject;
  proxy: ServiceProxy;
  /** Per selected Deployment: the containerPort the Service's (first) port targets. */
  targetPorts: Map<string, number>;
  running: boolean;
}

/** Is there a kubeconfig that a real `kubectl apply` would use? */
function kubeconfigPresent(): string | undefined {
  if (process.env.KUBECONFIG) return `KUBECONFIG=${process.env.KUBECONFIG}`;
  const file = path.join(homedir(), ".kube", "config");
  return existsSync(file) ? file : undefined;
}

function toDiagnostic(p: K8sProblem, service: string): Diagnostic {
  return { service, file: p.file, line: p.line, column: p.column, message: p.message, severity: p.severity };
}

export class LocalRendition {
  private readonly pods: Pod[] = [];
  private readonly services: RenderedService[] = [];
  private readonly builtTags = new Set<string>();
  private readonly buildAbort = new AbortController();
  private stopped = false;
  private deadlineTimer?: NodeJS.Timeout;

  constructor(
    private readonly host: RenditionHost,
    private readonly spec: KubernetesSpec,
  ) {}

  /** The service whose terminal shows what concerns the whole rendition (validation, builds). */
  private get primary(): string {
    return this.spec.services[0];
  }

  private say(text: string): void {
    for (const s of this.spec.services) this.host.system(text, s);
  }

  private failAll(detail: string): void {
    for (const s of this.spec.services) this.host.setStage(s, "failed", detail);
  }

  async start(files: LessonFiles): Promise<void> {
    const manifestFiles: Record<string, string> = {};
    for (const f of this.spec.manifests) {
      if (files[f] === undefined) return this.failAll(`the manifest ${f} is missing`);
      manifestFiles[f] = files[f];
    }
    this.say(`validating ${this.spec.manifests.join(", ")} against the Kubernetes API schema and the rules below`);
    const { objects, problems } = validateManifests(manifestFiles, { buildableImages: Object.keys(this.spec.images) });
    const missing = this.spec.services.filter((s) => !objects.some((o) => o.kind === "Service" && o.name === s));
    for (const name of missing)
      problems.push({
        file: this.spec.manifests[0],
        line: 1,
        column: 1,
        severity: "error",
        message: `the lesson exposes Service "${name}", but no manifest defines a Service of that name`,
      });
    this.host.diagnostics(
      this.primary,
      problems.map((p) => toDiagnostic(p, this.primary)),
    );
    for (const p of problems) this.say(formatProblem(p));
    const errors = problems.filter((p) => p.severity === "error");
    const warnings = problems.length - errors.length;
    if (errors.length > 0) {
      this.say(`✗ ${errors.length} error(s), ${warnings} warning(s): nothing is run until the manifests are valid`);
      return this.failAll(`the manifests have ${errors.length} error(s): ${errors[0].message}`);
    }
    this.say(`✓ ${objects.length} objects valid${warnings ? `, ${warnings} warning(s)` : ""}`);

    const kubeconfig = kubeconfigPresent();
    if (kubeconfig)
      this.say(
        `a kubeconfig is present (${kubeconfig}), but applying to a real cluster is not implemented: using the local rendition`,
      );
    this.say(
      "not a Kubernetes cluster: a local rendition on Docker. Each pod is one sandboxed container, probes run from " +
        "the playground as a kubelet would, each Service is a round-robin port on 127.0.0.1 to ready pods. " +
        "No scheduler, no rolling updates, no cluster DNS, no kube-proxy.",
    );
    for (const o of objects.filter((x) => !["Deployment", "Service", "Secret"].includes(x.kind)))
      this.say(`${o.kind} ${o.name}: accepted, but the local rendition does nothing with it`);

    const deployments = objects.filter((o) => o.kind === "Deployment");
    for (const d of deployments) {
      const containers = (d.value.spec as DeploymentSpec).template.spec.containers;
      if (containers.length !== 1)
        return this.failAll(`Deployment ${d.name}: the local rendition runs pods of exactly one container`);
    }
    const podCount = deployments.reduce((n, d) => n + ((d.value.spec as DeploymentSpec).replicas ?? 1), 0);
    if (podCount > MAX_PODS) {
      this.say(`✗ ${podCount} pods asked for; the local rendition runs at most ${MAX_PODS} (this machine is shared)`);
      return this.failAll(`${podCount} pods asked for; the local rendition runs at most ${MAX_PODS}`);
    }
    const images = [
      ...new Set(deployments.map((d) => (d.value.spec as DeploymentSpec).template.spec.containers[0].image ?? "")),
    ];
    const built = new Map<string, string>();
    for (const s of this.spec.services) this.host.setStage(s, "building");
    for (const image of images) {
      const user = await this.build(image, files);
      if (user === undefined || this.stopped) return;
      built.set(image, user);
    }

    await this.exposeServices(objects, deployments);
    if (this.stopped) return;
    const secrets = new Map(objects.filter((o) => o.kind === "Secret").map((o) => [o.name, secretValues(o)]));
    for (const d of deployments) this.planPods(d, secrets, built);
    for (const s of this.spec.services) this.host.setStage(s, "starting");
    const remaining = this.host.startedAt() + this.host.limits.startTimeoutMs - Date.now();
    this.deadlineTimer = setTimeout(() => this.onDeadline(), Math.max(0, remaining));
    await Promise.all(
      this.pods.map(async (pod) => {
        try {
          await this.createPod(pod);
          await this.startPod(pod);
        } catch (err) {
          if (!this.stopped) this.podSay(pod, `could not be started: ${(err as Error).message}`);
        }
      }),
    );
  }

  /** Builds one image from its Dockerfile; returns the user it runs as, or undefined when the build failed. */
  private async build(image: string, files: LessonFiles): Promise<string | undefined> {
    const dir = this.spec.images[image];
    const tag = builtImageTag(this.host.lessonSlug, image, this.host.runId);
    this.builtTags.add(tag);
    this.host.system(`docker build -t ${image} ${dir} (stands in for pushing ${image} to a registry)`, this.primary);
    const result = await buildLearnerImage({
      backend: this.host.backend,
      files,
      dir,
      dockerfile: "Dockerfile",
      tag,
      labels: this.host.imageLabels(),
      limits: this.host.limits,
      deadline: this.host.startedAt() + this.host.limits.startTimeoutMs,
      signal: this.buildAbort.signal,
      service: this.primary,
      onOutput: (text) => this.host.log(this.primary, "stdout", text),
    });
    if (this.stopped) return undefined;
    if (!result.ok) {
      this.host.diagnostics(this.primary, result.diagnostics);
      this.host.system(`image build of ${image} failed: ${result.message}`, this.primary);
      this.failAll(`image build of ${image} failed: ${result.message.split("\n")[0]}`);
      return undefined;
    }
    this.host.system(
      `image ${image} built in ${result.seconds.toFixed(1)} s: ${formatBytes(result.built.bytes)}`,
      this.primary,
    );
    const { user, notice } = result.built.runAs;
    if (notice) this.host.system(`${notice}; the pods run as ${user} instead`, this.primary);
    return user;
  }

  private async exposeServices(objects: K8sObject[], deployments: K8sObject[]): Promise<void> {
    for (const name of this.spec.services) {
      const object = objects.find((o) => o.kind === "Service" && o.name === name)!;
      const spec = (object.value.spec ?? {}) as ServiceSpecK8s;
      const first = spec.ports?.[0];
      const targetPorts = new Map<string, number>();
      for (const d of deployments) {
        const template = (d.value.spec as DeploymentSpec).template;
        const labels = template.metadata?.labels ?? {};
        const selected = Object.entries(spec.selector ?? {}).every(([k, v]) => labels[k] === v);
        const target = first
          ? resolvePort(first.targetPort ?? first.port, template.spec.containers[0].ports ?? [])
          : undefined;
        if (selected && target !== undefined) targetPorts.set(d.name, target);
      }
      const rendered: RenderedService = {
        name,
        object,
        targetPorts,
        running: false,
        proxy: new ServiceProxy(name, () => this.endpoints(rendered)),
      };
      if (this.stopped) return;
      this.services.push(rendered);
      const port = await rendered.proxy.listen();
      if (this.stopped) return void (await rendered.proxy.close());
      this.host.setPort(name, port);
      this.host.system(
        `Service ${name}: port ${first?.port ?? "?"} → targetPort ${String(first?.targetPort ?? first?.port)} of ` +
          `${[...targetPorts.keys()].map((d) => `Deployment ${d}`).join(", ")} pods, here http://127.0.0.1:${port}`,
        name,
      );
    }
  }

  private endpoints(s: RenderedService): Endpoint[] {
    const out: Endpoint[] = [];
    for (const pod of this.pods) {
      const target = s.targetPorts.get(pod.deployment);
      const port = target === undefined ? undefined : pod.hostPorts.get(target);
      if (pod.ready && port) out.push({ pod: pod.name, port });
    }
    return out;
  }

  private planPods(d: K8sObject, secrets: Map<string, Record<string, string>>, built: Map<string, string>): void {
    const spec = d.value.spec as DeploymentSpec;
    const c = spec.template.spec.containers[0];
    const hash = templateHash(spec.template);
    const { env, fromSecrets } = containerEnv(c, secrets);
    const limits = containerLimits(c, this.host.limits);
    const replicas = spec.replicas ?? 1;
    this.say(
      `Deployment ${d.name}: ${replicas} replica(s) of ${c.image}, limits ${Math.round(limits.memoryBytes / 1024 ** 2)}Mi / ` +
        `${limits.cpus} CPU${limits.notes.length ? ` (${limits.notes.join("; ")})` : ""}` +
        (fromSecrets.length ? `; env from Secrets: ${fromSecrets.join(", ")}` : ""),
    );
    if (c.startupProbe) this.say(`Deployment ${d.name}: its startupProbe is not run by the local rendition`);
    for (let i = 1; i <= replicas; i++) {
      this.pods.push({
        name: podName(d.name, hash, i),
        deployment: d.name,
        spec: c,
        image: c.image ?? "",
        user: built.get(c.image ?? "") ?? NON_ROOT_FALLBACK,
        env,
        limits,
        hostPorts: new Map(),
        ready: false,
        restarts: 0,
        generation: 0,
        killedForLiveness: false,
        budget: new OutputBudget(this.host.limits.outputBytesPerStream),
        partial: { stdout: "", stderr: "" },
        timers: new Set(),
      });
    }
  }

  /** The services that send to this pod's Deployment. */
  private servicesOf(pod: Pod): RenderedService[] {
    return this.services.filter((s) => s.targetPorts.has(pod.deployment));
  }

  private podSay(pod: Pod, text: string): void {
    for (const s of this.servicesOf(pod)) this.host.system(`pod ${pod.name}: ${text}`, s.name);
    if (this.servicesOf(pod).length === 0) this.host.system(`pod ${pod.name}: ${text}`, this.primary);
  }

  private async createPod(pod: Pod): Promise<void> {
    const network = this.host.network();
    if (!network) throw new Error("the run has no network");
    // Only the ports the playground itself uses (probes, Services): a manifest's other ports stay inside the run.
    const targets = this.services.flatMap((s) => {
      const t = s.targetPorts.get(pod.deployment);
      return t === undefined ? [] : [t];
    });
    pod.process = await this.host.backend.create(network, {
      name: `${this.host.runId}-${pod.name}`,
      image: builtImageTag(this.host.lessonSlug, pod.image, this.host.runId),
      user: pod.user,
      // In Kubernetes a container's hostname is its pod's name.
      hostname: pod.name,
      aliases: [pod.name],
      env: pod.env,
      labels: { ...this.host.containerLabels(), [SERVICE_LABEL]: pod.name },
      ports: portsToPublish(pod.spec, targets),
      tmpfs: { "/tmp": POD_TMPFS },
      memoryBytes: pod.limits.memoryBytes,
      cpus: pod.limits.cpus,
      pids: this.host.limits.pids,
      stdin: false,
    });
    // stop() may have run while it was made: then nobody else would remove it.
    if (this.stopped) {
      await pod.process.remove().catch(() => {});
      throw new Error("the run is stopping");
    }
  }

  /** (Re)starts the pod's container: its output read, its ports published, then probed. */
  private async startPod(pod: Pod): Promise<void> {
    if (this.stopped) return;
    const process = pod.process!;
    const generation = ++pod.generation;
    pod.killedForLiveness = false;
    let readError = false;
    const started = await process.start({
      data: (stream, data) => this.podOutput(pod, stream, data),
      end: () => {},
      // The pod's output is the learner's: a fault reading it is said once on its terminal, never thrown.
      fault: (err) => {
        if (readError) return;
        readError = true;
        try {
          this.podSay(pod, `part of its output could not be read (${(err as Error).message}) and was skipped`);
        } catch {
          // Nothing left to say it with; later output is still read.
        }
      },
    });
    void started.exited.then((code) => this.onExit(pod, generation, code));
    pod.hostPorts.clear();
    for (const [port, hostPort] of started.hostPorts) pod.hostPorts.set(port, hostPort);
    this.podSay(pod, pod.restarts === 0 ? "container started" : `container restarted (restarts: ${pod.restarts})`);
    if (pod.spec.readinessProbe) this.probeLoop(pod, generation, "readiness", pod.spec.readinessProbe);
    else this.setReady(pod, true, "no readiness probe: ready as soon as it runs");
    if (pod.spec.livenessProbe) this.probeLoop(pod, generation, "liveness", pod.spec.livenessProbe);
  }

  /** Prefixes each whole line with the pod's name: all replicas share their Service's terminal. */
  private podOutput(pod: Pod, stream: StreamKind, data: Buffer): void {
    const { keep, justExceeded } = pod.budget.take(stream, data);
    if (justExceeded)
      this.podSay(pod, `output truncated past ${Math.round(this.host.limits.outputBytesPerStream / 1024)} KiB`);
    // Only the new text is searched for a line's end: a program writing a byte at a time must not cost the held
    // line's length on every write. A line longer than POD_LINE_MAX is passed on in parts.
    const fresh = keep.toString("utf8");
    const freshCut = fresh.lastIndexOf("\n");
    if (freshCut < 0 && pod.partial[stream].length + fresh.length <= POD_LINE_MAX) {
      pod.partial[stream] += fresh;
      return;
    }
    const text = pod.partial[stream] + fresh;
    const cut = freshCut < 0 ? text.length : pod.partial[stream].length + freshCut;
    pod.partial[stream] = text.slice(cut + 1);
    const lines = text
      .slice(0, cut)
      .split("\n")
      .map((l) => `[${pod.name}] ${l}\n`)
      .join("");
    const targets = this.servicesOf(pod).map((s) => s.name);
    for (const s of targets.length ? targets : [this.primary]) this.host.log(s, stream, lines);
  }

  private timer(pod: Pod, ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      pod.timers.delete(t);
      fn();
    }, ms);
    pod.timers.add(t);
  }

  private probeLoop(pod: Pod, generation: number, kind: "readiness" | "liveness", probe: ProbeSpec): void {
    const timing = probeTiming(probe);
    // Readiness starts failed (no traffic before a success); liveness starts passed (no restart before failures).
    const state = new ProbeState(timing, kind === "liveness");
    const tick = async (): Promise<void> => {
      if (this.stopped || pod.generation !== generation) return;
      const result = await this.probeOnce(pod, probe, timing.timeoutMs);
      if (this.stopped || pod.generation !== generation) return;
      const changed = state.record(result.ok);
      if (kind === "readiness") {
        if (!result.ok) pod.lastReadinessFailure = result.detail;
        if (changed !== undefined) this.setReady(pod, changed, result.detail);
      } else if (changed === false) {
        this.restartForLiveness(pod, timing.failureThreshold, result.detail);
        return;
      }
      this.timer(pod, timing.periodMs, () => void tick());
    };
    this.timer(pod, timing.initialDelayMs, () => void tick());
  }

  private async probeOnce(pod: Pod, probe: ProbeSpec, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
    const portRef = probe.httpGet?.port ?? probe.tcpSocket?.port;
    const containerPort = resolvePort(portRef, pod.spec.ports ?? []);
    const hostPort = containerPort === undefined ? undefined : pod.hostPorts.get(containerPort);
    if (!hostPort) return { ok: false, detail: `port ${String(portRef)} is not open` };
    if (probe.httpGet) {
      const what = `GET ${probe.httpGet.path ?? "/"}`;
      try {
        const res = await fetch(`http://127.0.0.1:${hostPort}${probe.httpGet.path ?? "/"}`, {
          signal: AbortSignal.timeout(timeoutMs),
          headers: { "User-Agent": "kube-probe/1.35 (playground local rendition)" },
        });
        await res.body?.cancel();
        const hint = res.status === 404 ? " (the program serves no such path)" : "";
        return { ok: probeStatusOk(res.status), detail: `${what} → ${res.status}${hint}` };
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
        return { ok: false, detail: `${what} → ${cause}` };
      }
    }
    return new Promise((resolve) => {
      const socket = connect(hostPort, "127.0.0.1");
      const done = (ok: boolean, detail: string): void => {
        socket.destroy();
        resolve({ ok, detail });
      };
      socket.setTimeout(timeoutMs, () => done(false, `TCP ${containerPort}: timeout`));
      socket.once("connect", () => done(true, `TCP ${containerPort}: open`));
      socket.once("error", (e: NodeJS.ErrnoException) => done(false, `TCP ${containerPort}: ${e.code ?? e.message}`));
    });
  }

  private setReady(pod: Pod, ready: boolean, detail: string): void {
    if (pod.ready === ready) return;
    pod.ready = ready;
    for (const s of this.servicesOf(pod)) {
      const count = this.endpoints(s).length;
      const total = this.pods.filter((p) => s.targetPorts.has(p.deployment)).length;
      this.host.system(
        ready
          ? `pod ${pod.name} is ready (${detail}): added to the endpoints of Service ${s.name} (${count}/${total} ready)`
          : `pod ${pod.name} is not ready (${detail}): removed from the endpoints of Service ${s.name} (${count}/${total} ready)`,
        s.name,
      );
      if (ready && !s.running && count === total) this.markRunning(s, count);
    }
  }

  private markRunning(s: RenderedService, count: number): void {
    s.running = true;
    const took = ((Date.now() - this.host.startedAt()) / 1000).toFixed(2);
    this.host.setStage(s.name, "running");
    this.host.system(`running: Service ${s.name} has ${count} ready endpoint(s) (${took} s after Run)`, s.name);
    if (this.services.every((x) => x.running) && this.deadlineTimer) clearTimeout(this.deadlineTimer);
  }

  /** Start time is up: a Service with some ready pods runs on; one with none failed. */
  private onDeadline(): void {
    if (this.stopped) return;
    for (const s of this.services.filter((x) => !x.running)) {
      const count = this.endpoints(s).length;
      if (count > 0) {
        this.host.system(`not every pod became ready within the start time; serving with ${count}`, s.name);
        this.markRunning(s, count);
        continue;
      }
      const why = this.pods.find((p) => s.targetPorts.has(p.deployment))?.lastReadinessFailure;
      this.host.setStage(
        s.name,
        "failed",
        `no pod became ready within ${this.host.limits.startTimeoutMs / 1000} s${why ? ` (readiness: ${why})` : ""}`,
      );
    }
  }

  private restartForLiveness(pod: Pod, threshold: number, detail: string): void {
    this.podSay(
      pod,
      `liveness probe failed ${threshold} time(s) in a row (${detail}): the kubelet kills and restarts its container ` +
        `(restarts: ${pod.restarts + 1})`,
    );
    pod.killedForLiveness = true;
    this.setReady(pod, false, "its container is being restarted");
    void pod.process?.stop(GRACE_SECONDS);
  }

  private async onExit(pod: Pod, generation: number, code: number): Promise<void> {
    if (this.stopped || this.host.stopping() || pod.generation !== generation) return;
    pod.generation++; // ends this start's probe loops
    this.setReady(pod, false, `its container exited with code ${code}`);
    pod.restarts++;
    let delay = 0;
    if (!pod.killedForLiveness) {
      let reason = `exited with code ${code}`;
      if (await pod.process!.outOfMemory())
        reason = `was killed: out of memory (limit ${Math.round(pod.limits.memoryBytes / 1024 ** 2)}Mi)`;
      delay = crashBackoffMs(pod.restarts);
      this.podSay(
        pod,
        `container ${reason}; restarting in ${delay / 1000} s (CrashLoopBackOff, restarts: ${pod.restarts})`,
      );
    }
    this.timer(pod, delay, () => {
      if (this.stopped) return;
      this.startPod(pod).catch((err: unknown) => this.podSay(pod, `could not be restarted: ${(err as Error).message}`));
    });
  }

  /** Ends probes, closes the Services' ports, removes the pods and the built images. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.buildAbort.abort();
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    for (const pod of this.pods) for (const t of pod.timers) clearTimeout(t);
    // A proxy pushed before stop() began listening is closed here; close() on a server not yet listening is a no-op.
    await Promise.all(this.services.map((s) => s.proxy.close()));
    await Promise.all(
      this.pods.map(async (pod) => {
        if (!pod.process) return;
        await pod.process.stop(GRACE_SECONDS);
        await pod.process.remove().catch((err: unknown) => this.podSay(pod, `could not be removed: ${String(err)}`));
      }),
    );
    for (const tag of this.builtTags) await this.host.backend.removeImage(tag).catch(() => {});
  }
}
