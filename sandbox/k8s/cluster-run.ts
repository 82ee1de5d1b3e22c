// Lesson 16.8.2 on a real Kubernetes cluster: the learner's manifests are checked (what the API server does not
// check), dry-run applied (what it refuses, at the right line), their images built by the engine and loaded into the
// cluster's runtime, then applied with server-side apply into a namespace of the learner's own — Pod Security
// "restricted", a ResourceQuota and a LimitRange on it — and watched as kubectl would show it. A new Run of the same
// learner takes the namespace over and applies the change (a rolling update); Stop deletes it with everything in it.
import { createHash } from "node:crypto";
import type { KubernetesObject } from "@kubernetes/client-node";
import type { Backend } from "../backend";
import { builtImageTag, formatBytes } from "../dockerfile-build";
import { APP_LABEL, APP_NAME, LESSON_LABEL, OWNER_PID_LABEL } from "../labels";
import { buildLearnerImage } from "../learner-image";
import type { Limits } from "../limits";
import type { StreamKind } from "../streams";
import type { Diagnostic, LessonFiles, ServiceStage } from "../types";
import type { KubernetesSpec } from "../../lib/shared/lesson-schema";
import { serverSideApply, type ApplyObject } from "./apply";
import { apiErrorProblems, APPLIED_KINDS, MANAGED_LABEL, planApply, type PlannedObject } from "./apply-plan";
import { clusterApi, clusterStatus, listImages, loadImage, removeImages, type ClusterApi } from "./cluster";
import { NamespaceObserver, type PodView } from "./observe";
import { ClusterServiceProxy } from "./proxy";
import { openShellKube, type ShellKube } from "./shell-access";
import { formatProblem, MAX_PODS, validateBeforeApply, type K8sObject, type K8sProblem } from "./validate";

/** What the deployment needs of the run that hosts it. */
export interface DeploymentHost {
  runId: string;
  lessonSlug: string;
  owner: string;
  limits: Limits;
  backend: Backend;
  startedAt: () => number;
  imageLabels: () => Record<string, string>;
  system: (text: string, service: string) => void;
  log: (service: string, stream: StreamKind, text: string) => void;
  diagnostics: (service: string, list: Diagnostic[]) => void;
  setStage: (service: string, stage: ServiceStage, detail?: string) => void;
  setPort: (service: string, hostPort: number) => void;
}

const FIELD_MANAGER = "playground";
/** Kinds in the order they are applied. */
const APPLY_ORDER = ["Secret", "ConfigMap", "Service", "Deployment"];
/** How often a rollout's progress is read while waiting for it. */
const ROLLOUT_POLL_MS = 500;
/** How long Stop waits for the namespace to be gone (its pods get their grace period first). */
const NAMESPACE_GONE_MS = 45_000;

/** The namespace of one learner's lesson: the same for each of their Runs (a Run applies a change to it). */
export function namespaceFor(owner: string, lessonSlug: string): string {
  const hash = createHash("sha256").update(`${owner}\0${lessonSlug}`).digest("hex").slice(0, 10);
  return `pg-${lessonSlug.replace(/[^a-z0-9-]/g, "").slice(0, 40)}-${hash}`;
}

/** The image ref a built image gets in the cluster: its namespace's, named by the image's content. */
export function clusterImageRef(namespace: string, image: string, imageId: string): string {
  const repo = image.split(":")[0].replace(/[^a-z0-9./_-]/g, "-");
  return `playground.local/${namespace}/${repo}:${imageId.replace(/^sha256:/, "").slice(0, 12)}`;
}

/**
 * The quota, defaults and isolation of a run's namespace: a learner's pods share one machine with everybody's. The
 * NetworkPolicy admits traffic from the namespace's own pods only (the node's probes and the playground's requests
 * come from the node, which the policy controller lets through): another learner's pods cannot reach these.
 */
export function namespaceGuards(namespace: string, labels: Record<string, string>): KubernetesObject[] {
  const metadata = (name: string) => ({ name, namespace, labels });
  return [
    {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: metadata("playground-quota"),
      spec: {
        hard: {
          pods: String(MAX_PODS),
          "limits.memory": `${MAX_PODS * 128}Mi`,
          "limits.cpu": "2",
          services: "5",
          secrets: "10",
          configmaps: "10",
          "services.nodeports": "0",
          "services.loadbalancers": "0",
          persistentvolumeclaims: "0",
        },
      },
    } as KubernetesObject,
    {
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: metadata("playground-limits"),
      spec: {
        limits: [
          {
            type: "Container",
            default: { cpu: "250m", memory: "64Mi" },
            defaultRequest: { cpu: "50m", memory: "32Mi" },
            max: { cpu: "500m", memory: "128Mi" },
          },
        ],
      },
    } as KubernetesObject,
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: metadata("playground-isolation"),
      spec: {
        podSelector: {},
        policyTypes: ["Ingress"],
        // "The pods of this namespace" by the namespace's own name label: the policy controller (kube-router) takes
        // an empty podSelector under `from` for every source, so the namespace is named instead.
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } } }] }],
      },
    } as KubernetesObject,
  ];
}

export class ClusterDeployment {
  private readonly namespace: string;
  private api?: ClusterApi;
  private observer?: NamespaceObserver;
  private readonly proxies: ClusterServiceProxy[] = [];
  /** Services whose ClusterIP the request panel reaches already. */
  private readonly exposed = new Set<string>();
  private readonly buildAbort = new AbortController();
  private readonly builtTags = new Set<string>();
  private stopped = false;
  private pollTimer?: NodeJS.Timeout;
  /** Why the namespace was not made (the last failure said to the learner). */
  private failure?: string;
  /** Settles once the namespace exists (its API), or once this Run will not make it (undefined). */
  private namespaceReady!: (api: ClusterApi | undefined) => void;
  private readonly namespaceMade = new Promise<ClusterApi | undefined>((resolve) => (this.namespaceReady = resolve));

  constructor(
    private readonly host: DeploymentHost,
    private readonly spec: KubernetesSpec,
  ) {
    this.namespace = namespaceFor(host.owner, host.lessonSlug);
  }

  private get primary(): string {
    return this.spec.services[0];
  }

  private say(text: string): void {
    for (const s of this.spec.services) this.host.system(text, s);
  }

  private failAll(detail: string): void {
    this.failure ??= detail;
    for (const s of this.spec.services) this.host.setStage(s, "failed", detail);
  }

  /** Problems become the editor's markers and compiler-style lines; true when none is an error. */
  private report(problems: K8sProblem[]): boolean {
    this.host.diagnostics(
      this.primary,
      problems.map((p) => ({ service: this.primary, ...p })),
    );
    for (const p of problems) this.say(formatProblem(p));
    return !problems.some((p) => p.severity === "error");
  }

  async start(files: LessonFiles): Promise<void> {
    try {
      await this.apply(files);
    } finally {
      this.namespaceReady(undefined);
    }
  }

  /**
   * The run's namespace and the cluster's API, for kubectl in the run's shell, once the namespace exists; or why
   * there is none (the manifests were refused first, the cluster is not ready, the run ended).
   */
  async shellTarget(): Promise<{ api: ClusterApi; namespace: string } | { reason: string }> {
    const api = await this.namespaceMade;
    if (api && !this.stopped) return { api, namespace: this.namespace };
    if (this.stopped) return { reason: "the run ended" };
    return { reason: `this Run made no namespace${this.failure ? ` (${this.failure})` : ""}` };
  }

  /** kubectl for one shell of this run (shell-access.ts), once the namespace exists; or why there is none. */
  async shellKube(): Promise<{ kube: ShellKube } | { reason: string }> {
    const target = await this.shellTarget();
    if ("reason" in target) return target;
    const labels = { [APP_LABEL]: APP_NAME, [LESSON_LABEL]: this.host.lessonSlug };
    try {
      const kube = await openShellKube(target.api, target.namespace, labels);
      // The run ended while it was set up: nothing of it may stay.
      if (this.stopped) {
        await kube.close();
        return { reason: "the run ended" };
      }
      return { kube };
    } catch (err) {
      return { reason: `it could not be set up (${(err as Error).message.split("\n")[0]})` };
    }
  }

  private async apply(files: LessonFiles): Promise<void> {
    const manifestFiles: Record<string, string> = {};
    for (const f of this.spec.manifests) {
      if (files[f] === undefined) return this.failAll(`the manifest ${f} is missing`);
      manifestFiles[f] = files[f];
    }
    for (const s of this.spec.services) this.host.setStage(s, "building");
    const { objects, problems } = validateBeforeApply(manifestFiles, {
      buildableImages: Object.keys(this.spec.images),
    });
    for (const name of this.spec.services.filter((s) => !objects.some((o) => o.kind === "Service" && o.name === s)))
      problems.push({
        file: this.spec.manifests[0],
        line: 1,
        column: 1,
        severity: "error",
        message: `the lesson exposes Service "${name}", but no manifest defines a Service of that name`,
      });
    const labels = { [APP_LABEL]: APP_NAME, [LESSON_LABEL]: this.host.lessonSlug };
    const pending = new Map(Object.keys(this.spec.images).map((i) => [i, clusterImageRef(this.namespace, i, "0")]));
    const plan = planApply(objects, { namespace: this.namespace, labels, images: pending });
    if (!this.report([...problems, ...plan.problems])) {
      const errors = [...problems, ...plan.problems].filter((p) => p.severity === "error");
      this.say(`✗ ${errors.length} error(s): nothing is applied until the manifests are valid`);
      return this.failAll(`the manifests have ${errors.length} error(s): ${errors[0].message}`);
    }

    const status = await clusterStatus();
    if (this.stopped) return;
    if (!status.ready) {
      this.say(`✗ this lesson runs on a real Kubernetes cluster, and ${status.name} is not ready: ${status.detail}`);
      return this.failAll(`${status.name} is not ready: ${status.detail}`);
    }
    const api = (this.api = clusterApi()!);
    this.say(
      `cluster: ${status.name}; namespace ${this.namespace} (Pod Security "restricted", a quota of ${MAX_PODS} pods)`,
    );
    await this.ensureNamespace(api, labels);
    if (this.stopped) return;
    this.namespaceReady(api);

    // The API server's own validation, before any image is built: what it refuses is shown at the right line.
    const refused = await this.applyAll(api, plan.objects, true);
    if (this.stopped) return;
    if (!this.report(refused)) {
      this.say(
        `✗ the API server refused ${refused.length === 1 ? "an object" : `${refused.length} problems`}: nothing was applied`,
      );
      return this.failAll(`the API server refused the manifests: ${refused[0].message}`);
    }
    for (const note of plan.notes) this.say(note);

    const images = new Map<string, string>();
    for (const image of this.imagesUsed(plan.objects)) {
      const ref = await this.buildAndLoad(api, image, files);
      if (ref === undefined || this.stopped) return;
      images.set(image, ref);
    }
    const final = planApply(objects, { namespace: this.namespace, labels, images });
    const failed = await this.applyAll(api, final.objects, false);
    if (this.stopped) return;
    if (!this.report(failed)) return this.failAll(`applying failed: ${failed[0].message}`);
    for (const o of final.objects) this.say(`${o.body.kind.toLowerCase()}/${o.body.metadata.name} applied`);
    await this.prune(api, final.objects);
    if (this.stopped) return;

    this.observe(api, final.objects);
    await this.exposeServices(api);
    if (this.stopped) return;
    for (const s of this.spec.services) this.host.setStage(s, "starting");
    this.waitForRollout(api, final.objects);
  }

  private imagesUsed(objects: PlannedObject[]): string[] {
    const used = new Set<string>();
    for (const o of objects.filter((x) => x.body.kind === "Deployment")) {
      for (const c of o.source.value.spec
        ? ((o.source.value.spec as DeploymentLike).template?.spec?.containers ?? [])
        : [])
        if (c.image) used.add(c.image);
    }
    return [...used];
  }

  private async ensureNamespace(api: ClusterApi, labels: Record<string, string>): Promise<void> {
    const nsLabels = {
      ...labels,
      [OWNER_PID_LABEL]: String(process.pid),
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/enforce-version": "latest",
      "pod-security.kubernetes.io/warn": "restricted",
    };
    const deadline = Date.now() + NAMESPACE_GONE_MS;
    for (;;) {
      const existing = await api.core.readNamespace({ name: this.namespace }).catch(() => undefined);
      if (!existing) break;
      if (!existing.metadata?.deletionTimestamp) {
        // This learner's earlier Run left it (taken over): its pods keep serving while the change rolls out.
        await this.patchLabels(api, nsLabels);
        this.say(`namespace ${this.namespace} kept from your previous Run: the change is applied to it`);
        await this.applyGuards(api, labels);
        // Its Services answer from the pods already there while this Run builds.
        return this.exposeServices(api, false);
      }
      if (Date.now() > deadline) throw new Error(`namespace ${this.namespace} is still being deleted`);
      await new Promise((r) => setTimeout(r, 500));
      if (this.stopped) return;
    }
    await api.core.createNamespace({ body: { metadata: { name: this.namespace, labels: nsLabels } } });
    await this.applyGuards(api, labels);
  }

  private async patchLabels(api: ClusterApi, labels: Record<string, string>): Promise<void> {
    await serverSideApply(
      api,
      { apiVersion: "v1", kind: "Namespace", metadata: { name: this.namespace, labels } } as ApplyObject,
      { fieldManager: FIELD_MANAGER },
    );
  }

  private async applyGuards(api: ClusterApi, labels: Record<string, string>): Promise<void> {
    for (const guard of namespaceGuards(this.namespace, labels))
      await serverSideApply(api, guard as ApplyObject, { fieldManager: FIELD_MANAGER });
  }

  /** Server-side apply of every object (a dry run first): the API server's refusals as problems. */
  private async applyAll(api: ClusterApi, objects: PlannedObject[], dryRun: boolean): Promise<K8sProblem[]> {
    const problems: K8sProblem[] = [];
    // What pods read (Secrets, ConfigMaps) before the pods: a pod created first waits in CreateContainerConfigError.
    const rank = (o: PlannedObject): number => APPLY_ORDER.indexOf(o.body.kind);
    for (const o of [...objects].sort((a, b) => rank(a) - rank(b))) {
      try {
        await serverSideApply(api, o.body, { fieldManager: FIELD_MANAGER, dryRun });
      } catch (err) {
        problems.push(...apiErrorProblems(o.source, err));
      }
    }
    return problems;
  }

  /** Deletes what an earlier Run applied and the files no longer name (kubectl apply --prune). */
  private async prune(api: ClusterApi, objects: PlannedObject[]): Promise<void> {
    const keep = new Set(objects.map((o) => `${o.body.kind}/${o.body.metadata.name}`));
    for (const [kind, apiVersion] of Object.entries(APPLIED_KINDS)) {
      const list = await api.objects
        .list(apiVersion, kind, this.namespace, undefined, undefined, undefined, undefined, `${MANAGED_LABEL}=true`)
        .catch(() => ({ items: [] as KubernetesObject[] }));
      for (const item of list.items) {
        const name = item.metadata?.name;
        if (!name || keep.has(`${kind}/${name}`)) continue;
        await api.objects
          .delete({ apiVersion, kind, metadata: { name, namespace: this.namespace } })
          .then(() => this.say(`${kind.toLowerCase()}/${name} deleted (no longer in your manifests)`))
          .catch(() => {});
      }
    }
  }

  /** Builds one image with the engine and loads it into the cluster's runtime; its cluster ref, or undefined. */
  private async buildAndLoad(api: ClusterApi, image: string, files: LessonFiles): Promise<string | undefined> {
    const dir = this.spec.images[image];
    const tag = builtImageTag(this.host.lessonSlug, image, this.host.runId);
    this.builtTags.add(tag);
    this.host.system(`docker build -t ${image} ${dir} (then loaded into the cluster: no registry here)`, this.primary);
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
    const ref = clusterImageRef(this.namespace, image, result.built.id);
    const t0 = Date.now();
    try {
      await loadImage(api, (await this.host.backend.exportImage(tag, ref)) as never);
    } catch (err) {
      this.failAll(`the image could not be loaded into the cluster: ${(err as Error).message}`);
      return undefined;
    }
    this.host.system(
      `image ${image} built in ${result.seconds.toFixed(1)} s (${formatBytes(result.built.bytes)}), loaded into the ` +
        `cluster as ${ref} in ${((Date.now() - t0) / 1000).toFixed(1)} s; the pods run it with imagePullPolicy: Never`,
      this.primary,
    );
    return ref;
  }

  private observe(api: ClusterApi, objects: PlannedObject[]): void {
    const selectors = new Map<string, Record<string, string>>();
    for (const o of objects.filter((x) => x.body.kind === "Service" && this.spec.services.includes(x.source.name)))
      selectors.set(o.source.name, (o.body.spec as { selector?: Record<string, string> })?.selector ?? {});
    const terminalOf = (labels: Record<string, string>): string => {
      for (const [service, selector] of selectors)
        if (Object.keys(selector).length && Object.entries(selector).every(([k, v]) => labels[k] === v)) return service;
      return this.primary;
    };
    this.observer = new NamespaceObserver(
      api,
      this.namespace,
      {
        system: (service, text) => this.host.system(text, service),
        log: (service, text) => this.host.log(service, "stdout", text),
        pods: () => {},
      },
      terminalOf,
      this.host.startedAt(),
    );
    this.observer.start();
  }

  private async exposeServices(api: ClusterApi, required = true): Promise<void> {
    for (const name of this.spec.services) {
      if (this.exposed.has(name)) continue;
      const svc = await api.core.readNamespacedService({ name, namespace: this.namespace }).catch((err: unknown) => {
        if (required) throw err;
        return undefined;
      });
      if (!svc) continue;
      const ip = svc.spec?.clusterIP;
      const port = svc.spec?.ports?.[0]?.port;
      if (!ip || !port) {
        this.host.system(`Service ${name} has no ClusterIP or port: the request panel cannot reach it`, name);
        continue;
      }
      const proxy = new ClusterServiceProxy(name, ip, port);
      const local = await proxy.listen();
      if (this.stopped) return void (await proxy.close());
      this.proxies.push(proxy);
      this.exposed.add(name);
      this.host.setPort(name, local);
      this.host.system(
        `Service ${name}: ClusterIP ${ip}:${port}; kube-proxy picks a ready pod for each request (the panel sends ` +
          `every request on a new connection, through 127.0.0.1:${local})`,
        name,
      );
    }
  }

  /** "running" once every Deployment's rollout is complete (`kubectl rollout status`). */
  private waitForRollout(api: ClusterApi, objects: PlannedObject[]): void {
    const names = objects.filter((o) => o.body.kind === "Deployment").map((o) => o.body.metadata.name);
    const deadline = this.host.startedAt() + this.host.limits.startTimeoutMs;
    let warned = false;
    const poll = async (): Promise<void> => {
      if (this.stopped) return;
      const done = await Promise.all(
        names.map(async (name) => {
          const d = await api.apps.readNamespacedDeployment({ name, namespace: this.namespace });
          const want = d.spec?.replicas ?? 1;
          const s = d.status ?? {};
          return (
            (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
            (s.updatedReplicas ?? 0) === want &&
            (s.replicas ?? 0) === want &&
            (s.availableReplicas ?? 0) === want
          );
        }),
      ).catch(() => [false]);
      if (this.stopped) return;
      if (done.every(Boolean)) {
        this.say(`rollout complete: ${names.map((n) => `deployment/${n}`).join(", ")} has every replica Ready`);
        for (const s of this.spec.services) this.host.setStage(s, "running");
        return;
      }
      if (!warned && Date.now() > deadline) {
        warned = true;
        const waiting =
          this.observer
            ?.current()
            .filter((p: PodView) => !p.ready)
            .map((p) => p.name) ?? [];
        this.say(
          `⚠ the rollout is not complete after ${Math.round(this.host.limits.startTimeoutMs / 1000)} s; pods not Ready: ` +
            `${waiting.join(", ") || "none yet"} (the events above say why)`,
        );
      }
      this.pollTimer = setTimeout(() => void poll(), ROLLOUT_POLL_MS);
    };
    void poll();
  }

  /**
   * Ends this Run's part. Handed over (a newer Run of the same learner takes the namespace), the pods keep serving;
   * else the namespace is deleted with everything in it, and the images loaded for it go too.
   */
  async stop(opts: { handOver: boolean }): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.namespaceReady(undefined);
    this.buildAbort.abort();
    clearTimeout(this.pollTimer);
    this.observer?.stop();
    await Promise.all(this.proxies.map((p) => p.close()));
    await Promise.all([...this.builtTags].map((t) => this.host.backend.removeImage(t).catch(() => {})));
    const api = this.api ?? clusterApi();
    if (opts.handOver || !api) return;
    // The pods go first, while the namespace's NetworkPolicy still stands: deleted with the namespace in no set
    // order, the policy could go before the pods it protects (CVE-2024-7598).
    const ns = { namespace: this.namespace };
    await api.apps.deleteCollectionNamespacedDeployment(ns).catch(() => undefined);
    await api.apps.deleteCollectionNamespacedReplicaSet(ns).catch(() => undefined);
    await api.core.deleteCollectionNamespacedPod(ns).catch(() => undefined);
    const podsGone = Date.now() + NAMESPACE_GONE_MS;
    while (Date.now() < podsGone) {
      const pods = await api.core.listNamespacedPod(ns).catch(() => undefined);
      if (!pods || pods.items.length === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const gone = await api.core
      .deleteNamespace({ name: this.namespace })
      .then(() => true)
      .catch((err: { code?: number }) => err.code === 404);
    if (!gone) return;
    const deadline = Date.now() + NAMESPACE_GONE_MS;
    while (Date.now() < deadline) {
      const still = await api.core.readNamespace({ name: this.namespace }).catch(() => undefined);
      if (!still) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    await removeImages(api, await listImages(api, `playground.local/${this.namespace}/`));
  }
}

interface DeploymentLike {
  template?: { spec?: { containers?: { image?: string }[] } };
}

export type { K8sObject };
