// One run of a lesson, orchestrated: prepare (a network, a waiting process per service), start (files in, services
// built in dependency order, learners' images built), record (every event kept for a page that attaches late),
// respond (requests, live files, a service stopped or restarted from the page), and end (everything given back).
// Each service's own life is service-life.ts; where processes run is the backend's (backend.ts).
import type { Backend, RunNetwork } from "./backend";
import { builtImageTag, imageSizeLine } from "./dockerfile-build";
import { SandboxError } from "./errors";
import { FAULTS_API_PORT, FAULTS_HOST, RunFaults } from "./faults";
import { packFiles, validateFiles } from "./files";
import { RunHistory } from "./history";
import { ClusterDeployment } from "./k8s/cluster-run";
import { builtImageLabels, runLabels } from "./labels";
import { buildLearnerImage } from "./learner-image";
import { Lifetime, RunEnded } from "./lifetime";
import type { Limits } from "./limits";
import { CONTAINER_SRC, liveFileReaders, notLiveMessage, type LiveFileResult } from "./live-files";
import { sendHttpRequest } from "./service-http";
import { ServiceLife, type Launch, type ServiceHost } from "./service-life";
import type { ShellKube } from "./k8s/shell-access";
import { RunShell, type ShellHandle } from "./shell";
import { isFinal } from "./stages";
import type { Fault, Link, LinkState } from "../lib/shared/faults";
import type {
  HttpRequestSpec,
  HttpResponseSummary,
  LessonFiles,
  LoadedLesson,
  RunEndReason,
  RunEvent,
  RunHandle,
  ServiceState,
} from "./types";

/** Seconds between SIGTERM and SIGKILL when a run stops: long enough for a graceful shutdown to log. */
const STOP_GRACE_SECONDS = 2;
/** The /tmp of a container built from a Dockerfile: its program needs no build space there. */
const BUILT_TMPFS_BYTES = 64 * 1024 * 1024;

export class Run implements RunHandle, ServiceHost {
  /** What a listener that attaches late (a reloaded page) is replayed: bounded per service. */
  private readonly history = new RunHistory();
  private readonly listeners = new Set<(e: RunEvent) => void>();
  private readonly services_ = new Map<string, ServiceLife>();
  /** Everything the run makes, given back when it ends (lifetime.ts). */
  readonly life = new Lifetime();
  private network?: RunNetwork;
  private preparing?: Promise<void>;
  private starting?: Promise<void>;
  private files?: LessonFiles;
  private imageTag?: string;
  /** The run's fault proxy, for a lesson with fault links (started in prepare, before any caller exists). */
  private faults?: RunFaults;
  /** The run's shell once opened (it ends with the run, or when its shell exits). */
  private shell?: Promise<RunShell>;
  private shells = 0;
  /** Set when a newer Run of the same owner takes over: the owner's standby is kept for that one. */
  replaced = false;
  /** The lesson of the Run that took over: of the same lesson, it takes this one's cluster namespace too. */
  successorLesson?: string;
  private endedWith?: RunEndReason;
  readonly createdAt = Date.now();
  /** A lesson of Kubernetes manifests applies them to a cluster (sandbox/k8s); undefined for every other lesson. */
  private readonly deployment?: ClusterDeployment;

  constructor(
    readonly id: string,
    readonly lesson: LoadedLesson,
    readonly owner: string,
    readonly limits: Limits,
    readonly backend: Backend,
  ) {
    for (const spec of lesson.manifest.services) this.services_.set(spec.name, new ServiceLife(spec, this));
    if (lesson.manifest.kubernetes) this.deployment = this.createDeployment(lesson.manifest.kubernetes);
  }

  get runId(): string {
    return this.id;
  }

  /** One service per exposed Kubernetes Service (its stage, its port) and the deployment that drives them. */
  private createDeployment(spec: NonNullable<LoadedLesson["manifest"]["kubernetes"]>): ClusterDeployment {
    for (const name of spec.services) {
      const service = { name, dir: spec.manifests[0], port: 80, protocol: "http" as const, env: {}, dependsOn: [] };
      this.services_.set(name, new ServiceLife(service, this, true));
    }
    const service = (name: string): ServiceLife => this.services_.get(name)!;
    return new ClusterDeployment(
      {
        runId: this.id,
        lessonSlug: this.lesson.slug,
        owner: this.owner,
        limits: this.limits,
        backend: this.backend,
        startedAt: () => service(spec.services[0]).startedAt,
        imageLabels: () => builtImageLabels(this.labels()),
        system: (text, name) => this.system(text, name),
        log: (name, stream, text) => service(name).output(stream, Buffer.from(text, "utf8")),
        diagnostics: (name, diagnostics) => this.emit({ type: "diagnostics", service: name, diagnostics }),
        setStage: (name, stage, detail) => service(name).setStage(stage, detail),
        setPort: (name, hostPort) => service(name).setPort(hostPort),
      },
      spec,
    );
  }

  labels(): Record<string, string> {
    return runLabels(this.id, this.lesson.slug, this.owner);
  }

  get lessonSlug(): string {
    return this.lesson.slug;
  }

  get ended(): boolean {
    return this.endedWith !== undefined;
  }

  /** True from the moment stop() is called. */
  get stopRequested(): boolean {
    return this.life.ended;
  }

  subscribe(listener: (event: RunEvent) => void): () => void {
    for (const event of this.history.replay()) listener(event);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: RunEvent): void {
    this.history.push(event);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener (a closed socket) must not stop the run or other listeners.
      }
    }
  }

  system(text: string, service = "*"): void {
    this.emit({ type: "log", service, stream: "system", text: text.endsWith("\n") ? text : `${text}\n` });
  }

  queued(position: number): void {
    this.emit({ type: "queue", position });
  }

  services(): ServiceState[] {
    return [...this.services_.values()].map((s) => s.state());
  }

  /** A run whose services have all stopped or failed holds nothing worth keeping: its resources go. */
  settled(): void {
    const all = [...this.services_.values()];
    if (this.life.ended || !all.every((s) => isFinal(s.stage) && !s.restarting)) return;
    // Nothing left to run: a service stopped from the page still gets to finish its graceful shutdown.
    void this.end(all.some((s) => s.stage === "failed") ? "failed" : "stopped", true);
  }

  whenAllRunning(): Promise<void> {
    return this.waitFor((): boolean | Error => {
      const all = [...this.services_.values()];
      const failed = all.find((s) => s.stage === "failed");
      if (failed) return new Error(`${failed.name} failed: ${failed.detail ?? "see its log"}`);
      if (all.every((s) => s.stage === "running")) return true;
      if (this.ended) return new Error(`the run ended (${this.endedWith})`);
      return false;
    });
  }

  /** Resolves when `check` says true, rejects with the error it returns; asked again at every stage change. */
  private waitFor(check: () => boolean | Error): Promise<void> {
    return new Promise((resolve, reject) => {
      const settle = (): boolean => {
        const answer = check();
        if (answer === false) return false;
        if (answer === true) resolve();
        else reject(answer);
        return true;
      };
      if (settle()) return;
      const unsubscribe = this.subscribe((e) => {
        if ((e.type === "stage" || e.type === "ended") && settle()) queueMicrotask(unsubscribe);
      });
    });
  }

  private waitRunning(name: string): Promise<void> {
    const service = this.services_.get(name)!;
    return this.waitFor(() => {
      if (service.stage === "running") return true;
      if (isFinal(service.stage))
        return new Error(`it depends on ${name}, which ${service.stage === "failed" ? "failed" : "stopped"}`);
      return false;
    });
  }

  get preparedImage(): string | undefined {
    return this.imageTag;
  }

  /**
   * Creates the network and every service's process, started and blocked reading its files from stdin. Done
   * ahead of time for a learner's next Run (a standby), this takes network and container start-up (~0.4 s on
   * this machine) out of the edit → answer loop.
   */
  prepare(imageTag: string): Promise<void> {
    this.preparing ??= (async () => {
      this.imageTag = imageTag;
      this.life.check();
      // Given back newest first: the processes, then the network (and its firewall rules), then the images the
      // processes ran (an image still in use would only lose its tag).
      this.life.own(() => this.removeBuiltImages());
      const network = await this.backend.createNetwork(this.id, this.labels());
      this.life.own(() => this.backend.removeNetwork(network));
      this.network = network;
      this.life.own(() => Promise.all([...this.services_.values()].map((s) => s.removeProcess())));
      this.life.check();
      // The proxy first: its address goes into each caller's /etc/hosts when the caller's container is made.
      const faults = await this.startFaults(network, imageTag);
      this.life.check();
      // A service built from a Dockerfile gets its process once its image exists (at Run, from the files).
      const tmpfs = `rw,exec,nosuid,nodev,size=${this.limits.tmpfsBytes},uid=1000,gid=1000`;
      await Promise.all(
        [...this.services_.values()]
          .filter((s) => !s.spec.build && !s.rendered)
          .map((s) =>
            s.launchOn(network, {
              image: imageTag,
              cmd: ["/bin/sh", "/opt/playground/run-service.sh", ...(s.spec.command ?? [])],
              user: "1000:1000",
              stdin: true,
              tmpfs: { "/tmp": tmpfs, "/work": tmpfs },
              hosts: faults?.hostsOf(s.name),
            }),
          ),
      );
    })();
    return this.preparing;
  }

  /** Starts the fault proxy of a lesson that declares fault links (faults.ts); undefined for every other lesson. */
  private async startFaults(network: RunNetwork, imageTag: string): Promise<RunFaults | undefined> {
    const declared = this.lesson.manifest.faults?.links;
    if (!declared) return undefined;
    const ports = new Map(this.lesson.manifest.services.map((s) => [s.name, s.port]));
    const faults = await RunFaults.start({
      backend: this.backend,
      network,
      runId: this.id,
      image: imageTag,
      labels: this.labels(),
      links: declared.map((l) => ({ ...l, port: ports.get(l.to)! })),
    });
    this.life.own(() => faults.close());
    this.faults = faults;
    // Tabs that asked before the proxy was up (a page attaches as Run is pressed) learn its links from this.
    this.emit({ type: "faults", links: await faults.list() });
    return faults;
  }

  private faultProxy(): RunFaults {
    if (this.life.ended) throw new SandboxError("SERVICE_NOT_RUNNING", "This run has ended; press Run to start again.");
    if (!this.faults) {
      throw new SandboxError(
        "BAD_REQUEST",
        this.lesson.manifest.faults
          ? "The run's fault proxy is not up yet."
          : "This lesson has no links to inject faults on.",
        this.lesson.manifest.faults ? "Wait for the Run to start its services." : undefined,
      );
    }
    return this.faults;
  }

  async faultLinks(): Promise<LinkState[]> {
    if (!this.lesson.manifest.faults) return [];
    // Asked as Run is pressed: the proxy is made while the run prepares.
    await this.preparing?.catch(() => {});
    if (!this.faults || this.life.ended) return [];
    return this.faults.list();
  }

  async addFault(link: Link, fault: Fault): Promise<LinkState[]> {
    const faults = this.faultProxy();
    await faults.add(link, fault);
    return this.faultsChanged(`fault on ${link.from} → ${link.to}: ${fault.type} added`);
  }

  async removeFault(link: Link, name: string): Promise<LinkState[]> {
    const faults = this.faultProxy();
    await faults.remove(link, name);
    return this.faultsChanged(`fault on ${link.from} → ${link.to}: ${name} removed`);
  }

  /** Says the new state to every tab of the run (and in its log, so the learner sees when it changed). */
  private async faultsChanged(what: string): Promise<LinkState[]> {
    const links = await this.faultProxy().list();
    this.system(what);
    this.emit({ type: "faults", links });
    return links;
  }

  /** Prepares (unless a standby already did) and launches every service with the learner's files. */
  start(imageTag: string, files: LessonFiles): Promise<void> {
    this.starting ??= (async () => {
      this.files = files;
      const wallClock = setTimeout(() => {
        this.system(`wall-clock limit of ${Math.round(this.limits.runWallClockMs / 1000)} s reached: stopping the run`);
        void this.stop("timeout");
      }, this.limits.runWallClockMs);
      wallClock.unref();
      this.life.own(() => clearTimeout(wallClock));
      const launchedAt = Date.now();
      for (const s of this.services_.values()) s.startedAt = launchedAt;
      const archive = await packFiles(files);
      try {
        await this.prepare(imageTag);
      } catch (err) {
        if (err instanceof RunEnded) return;
        for (const s of this.services_.values()) s.setStage("failed", (err as Error).message);
        throw err;
      }
      const rendered = this.deployment?.start(files).catch((err: unknown) => {
        if (this.life.ended) return;
        for (const s of this.services_.values()) if (s.rendered) s.setStage("failed", (err as Error).message);
      });
      await Promise.all(
        [...this.services_.values()].map(async (s) => {
          if (s.rendered) return;
          try {
            for (const dep of s.spec.dependsOn) await this.waitRunning(dep);
            this.life.check();
            if (s.spec.build) return await this.buildAndLaunch(s, files);
            s.feed(archive);
          } catch (err) {
            if (!this.life.ended) s.setStage("failed", (err as Error).message);
          }
        }),
      );
      await rendered;
    })();
    return this.starting;
  }

  /**
   * Builds the service's image from the learner's Dockerfile (its folder is the context), reports its size next to
   * the stages left behind, then runs it in a process with the same limits as every other service.
   */
  private async buildAndLaunch(service: ServiceLife, files: LessonFiles): Promise<void> {
    const { spec } = service;
    const dockerfile = spec.build!.dockerfile;
    service.setStage("building");
    const bases = await this.backend.baseImages();
    this.system(
      `docker build ${spec.dir} (${dockerfile}). No image registry is reachable here, so local images stand in: ` +
        bases.map((b) => `${b.name} = ${b.description}`).join("; ") +
        "; scratch = the empty image.",
      spec.name,
    );
    const abort = new AbortController();
    service.buildAbort = abort;
    const tag = builtImageTag(this.lesson.slug, spec.name, this.id);
    service.builtTag = tag;
    const result = await buildLearnerImage({
      backend: this.backend,
      files,
      dir: spec.dir,
      dockerfile,
      tag,
      labels: builtImageLabels(this.labels()),
      limits: this.limits,
      deadline: service.startedAt + this.limits.startTimeoutMs,
      signal: abort.signal,
      service: spec.name,
      onOutput: (text) => service.output("stdout", Buffer.from(text, "utf8")),
    });
    this.life.check();
    if (!result.ok) {
      this.emit({ type: "diagnostics", service: spec.name, diagnostics: result.diagnostics });
      this.system(`image build failed: ${result.message}`, spec.name);
      service.setStage("failed", `image build failed: ${result.message.split("\n")[0]}`);
      return;
    }
    const { built, seconds } = result;
    this.emit({ type: "diagnostics", service: spec.name, diagnostics: [] });
    this.emit({
      type: "image",
      service: spec.name,
      bytes: built.bytes,
      final: built.final,
      earlier: built.earlier,
      seconds,
    });
    this.system(imageSizeLine(built, seconds), spec.name);
    const user = built.runAs.user;
    if (built.runAs.notice) this.system(`${built.runAs.notice}; the playground runs it as ${user} instead`, spec.name);
    try {
      await service.launchOn(this.network!, {
        image: built.tag,
        user,
        stdin: false,
        tmpfs: { "/tmp": `rw,noexec,nosuid,nodev,size=${BUILT_TMPFS_BYTES},mode=1777` },
      });
    } catch (err) {
      if (err instanceof RunEnded || this.life.ended) return;
      service.setStage("failed", `the image did not start: ${(err as Error).message}`);
      return;
    }
    this.life.check();
    service.startedWithoutRunner();
  }

  async request(spec: HttpRequestSpec): Promise<HttpResponseSummary> {
    const service = this.services_.get(spec.service);
    if (!service) throw new SandboxError("BAD_REQUEST", `This lesson has no service "${spec.service}".`);
    if (service.stoppedFromPage && service.stage === "stopped" && !service.restarting && !this.life.ended) {
      throw new SandboxError(
        "SERVICE_NOT_RUNNING",
        `${spec.service} is stopped: you stopped it from its log pane.`,
        "Press Restart in its log pane to start it again (or Run to start every service).",
      );
    }
    // A Kubernetes Service answers while a new Run builds its change: the earlier pods serve until the rollout.
    const serving = ["running", "starting", ...(service.rendered ? ["building"] : [])];
    if (!service.hostPort || !serving.includes(service.stage)) {
      throw new SandboxError("SERVICE_NOT_RUNNING", `${spec.service} is not running; press Run first.`);
    }
    return sendHttpRequest(service.hostPort, spec);
  }

  /**
   * Writes edited live files (see sandbox/live-files.ts) into the running processes of the services that re-read
   * them, without a restart. A file no running service re-reads gets an answer saying a Run applies it.
   */
  async updateFiles(input: LessonFiles): Promise<LiveFileResult[]> {
    const files = validateFiles(input);
    if (this.life.ended) throw new SandboxError("SERVICE_NOT_RUNNING", "This run has stopped; press Run first.");
    const specs = [...this.services_.values()].filter((s) => !s.rendered).map((s) => s.spec);
    const results: LiveFileResult[] = [];
    for (const [path, text] of Object.entries(files)) {
      const name = path.split("/").pop() ?? path;
      const { live, startupOnly } = liveFileReaders(specs, path);
      if (live.length === 0) {
        results.push({ path, updated: [], failed: [], message: notLiveMessage(path, startupOnly) });
        continue;
      }
      const running = live.map((n) => this.services_.get(n)!).filter((s) => s.writable);
      if (running.length === 0) {
        results.push({
          path,
          updated: [],
          failed: [],
          message: `${live.join(", ")} ${live.length > 1 ? "are" : "is"} not running; press Run to apply ${name}.`,
        });
        continue;
      }
      const original = this.files?.[path];
      if (running.every((s) => (s.liveText.get(path) ?? original) === text)) {
        results.push({
          path,
          updated: [],
          failed: [],
          unchanged: true,
          message: `${name} is unchanged: the running ${running.map((s) => s.name).join(", ")} already has it.`,
        });
        continue;
      }
      const updated: string[] = [];
      const failed: string[] = [];
      const problems: string[] = [];
      for (const s of running) {
        try {
          await s.writeLiveFile(`${CONTAINER_SRC}/${path}`, path, text);
          updated.push(s.name);
          this.system(`${name} updated in the running container (no restart)`, s.name);
        } catch (err) {
          failed.push(s.name);
          problems.push(`${s.name}: ${(err as Error).message}`);
          this.system(`${name} could not be updated in the running container: ${(err as Error).message}`, s.name);
        }
      }
      const notRunning = live.filter((n) => !running.some((s) => s.name === n));
      const parts = [];
      if (updated.length) parts.push(`${name} sent to the running ${updated.join(", ")}`);
      if (problems.length) parts.push(`failed for ${problems.join("; ")}`);
      if (notRunning.length) parts.push(`${notRunning.join(", ")} not running`);
      results.push({ path, updated, failed, message: `${parts.join("; ")}.` });
    }
    return results;
  }

  /** The service a learner asks to stop or restart, if the run can still do it. */
  private controllable(name: string): ServiceLife {
    const service = this.services_.get(name);
    if (!service) throw new SandboxError("BAD_REQUEST", `This lesson has no service "${name}".`);
    if (this.life.ended) throw new SandboxError("SERVICE_NOT_RUNNING", "This run has ended; press Run to start again.");
    if (service.rendered) {
      throw new SandboxError(
        "BAD_REQUEST",
        `${name} is a Kubernetes Service: its pods are the cluster's to stop and restart (liveness probes, rollouts).`,
        "Break a probe to see a pod restarted, or edit and press Run to roll out a change.",
      );
    }
    return service;
  }

  /**
   * Stops one service as `docker stop` would (SIGTERM, then SIGKILL after the grace period); the rest of the run
   * goes on, so the learner sees how the others cope (a client's errors, Consul's health check going critical).
   */
  async stopService(name: string): Promise<void> {
    const service = this.controllable(name);
    if (service.restarting) await service.restarting;
    if (isFinal(service.stage)) return;
    await service.retire("stopped from the page");
  }

  /**
   * Replaces one service's process with a new one built from this Run's files: the same code, a fresh process
   * (edits made since are applied by Run, which rebuilds every service).
   */
  async restartService(name: string): Promise<void> {
    const service = this.controllable(name);
    if (service.restarting) return service.restarting;
    const files = this.files;
    const launch: Launch | undefined = service.launch;
    const network = this.network;
    if (!files || !launch || !network) {
      throw new SandboxError(
        "SERVICE_NOT_RUNNING",
        `${name} has no container to restart yet.`,
        service.spec.build
          ? "Its image is built at Run; press Run to build it again."
          : "Wait for the Run to start it.",
      );
    }
    if (service.stage === "queued" || service.stage === "building") {
      throw new SandboxError(
        "SERVICE_NOT_RUNNING",
        `${name} is still being started.`,
        "Wait until it runs or fails, then restart it.",
      );
    }
    const restart = (async () => {
      // Yield once so `restarting` is set before the old process's stop could end the whole run.
      await Promise.resolve();
      try {
        await service.retire("restarting");
        this.life.check();
        this.system(`starting ${name} again with this Run's files (press Run to apply later edits)`, name);
        service.renew();
        await service.launchOn(network, launch);
        this.life.check();
        if (launch.stdin) service.feed(await packFiles(files));
        else service.startedWithoutRunner();
      } catch (err) {
        if (!(err instanceof RunEnded) && !this.life.ended)
          service.setStage("failed", `could not restart: ${(err as Error).message}`);
      }
    })();
    service.restarting = restart;
    void restart.finally(() => {
      service.restarting = undefined;
      this.settled();
    });
    return restart;
  }

  async openShell(size: { cols: number; rows: number }): Promise<ShellHandle> {
    if (this.life.ended) throw new SandboxError("SERVICE_NOT_RUNNING", "This run has ended; press Run to start again.");
    // A shell opened as Run is pressed waits for the run's network (a queued run's, up to the caller's patience).
    await this.waitFor(() => (this.network !== undefined ? true : this.ended ? new Error("the run ended") : false));
    const network = this.network;
    const image = this.imageTag;
    if (this.life.ended || !network || !image) {
      throw new SandboxError("SERVICE_NOT_RUNNING", "This run has ended; press Run to start again.");
    }
    const opening = (this.shell ??= this.kubectlFor()
      .then(({ kube, note }) =>
        RunShell.open({
          backend: this.backend,
          network,
          runId: this.id,
          image,
          serial: ++this.shells,
          labels: this.labels(),
          // toxiproxy-cli's default is localhost; in a run with faults it drives the run's proxy without a flag.
          env: this.lesson.manifest.faults ? { TOXIPROXY_URL: `http://${FAULTS_HOST}:${FAULTS_API_PORT}` } : {},
          kube,
          note,
        }),
      )
      .then(
        (shell) => {
          this.life.own(() => shell.close());
          return shell;
        },
        (err: unknown) => {
          this.shell = undefined;
          throw err;
        },
      ));
    const shell = await opening;
    if (shell.ended) {
      // Its shell exited (`exit`): a new one.
      if (this.shell === opening) this.shell = undefined;
      return this.openShell(size);
    }
    await shell.resize(size.cols, size.rows).catch(() => {});
    return shell;
  }

  /** kubectl on the run's namespace for a cluster run's shell (k8s/shell-access.ts), or why it has none. */
  private async kubectlFor(): Promise<{ kube?: ShellKube; note?: string }> {
    if (!this.deployment) return {};
    const opened = await this.deployment.shellKube();
    if ("kube" in opened) return { kube: opened.kube };
    return { note: `No kubectl in this shell: ${opened.reason}.` };
  }

  private async removeBuiltImages(): Promise<void> {
    for (const { builtTag } of this.services_.values()) {
      if (!builtTag) continue;
      await this.backend
        .removeImage(builtTag)
        .catch((err: unknown) => this.system(`could not remove the image ${builtTag}: ${String(err)}`));
    }
  }

  /** Gives back everything the run made (processes, images, network, rules). Safe to call any number of times. */
  stop(reason: RunEndReason = "stopped"): Promise<void> {
    return this.end(reason, false);
  }

  private end(reason: RunEndReason, patient: boolean): Promise<void> {
    return this.life
      .end(async () => {
        const all = [...this.services_.values()];
        for (const s of all) s.cutShort(patient);
        // The deployment stops its build and watches at once; start() then settles without waiting for them. A Run
        // replaced by the same learner's next one hands the namespace over (its pods serve through the rollout).
        const deploymentStopped = this.deployment?.stop({
          handOver: this.replaced && this.successorLesson === this.lesson.slug,
        });
        // Only a service that got to serve gets a graceful stop; one still waiting for files or building is
        // killed at once (its PID 1 is a shell, which ignores SIGTERM, so a grace period would only be waited out).
        const graceful = new Set(all.filter((s) => s.stage === "starting" || s.stage === "running"));
        // Marking services stopped first makes waits for dependencies fail fast, so start() settles quickly.
        for (const s of all) s.setStage("stopped");
        await this.starting?.catch(() => {});
        await Promise.all(all.map((s) => s.restarting?.catch(() => {})));
        await Promise.all(all.map((s) => s.retirement?.catch(() => {})));
        await this.preparing?.catch(() => {});
        await deploymentStopped;
        await Promise.all(all.map((s) => s.endWithRun(graceful.has(s), STOP_GRACE_SECONDS)));
      })
      .then(() => {
        if (this.endedWith) return;
        this.endedWith = reason;
        this.emit({ type: "ended", reason });
      });
  }
}
