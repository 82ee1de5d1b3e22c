// One run of a lesson: a private network, one sandboxed container per service that unpacks, builds and becomes
// the service, its output streamed as events, its stage tracked, and everything removed on stop.
import type Docker from "dockerode";
import { StringDecoder } from "node:string_decoder";
import type { Duplex } from "node:stream";
import { docker, isNotFound } from "./docker";
import { parseGoDiagnostics } from "./diagnostics";
import { dockerfileDiagnostics } from "./dockerfile";
import {
  buildServiceImage,
  builtImageTag,
  ImageBuildError,
  imageSizeLine,
  removeBuiltImage,
  type BuiltImage,
} from "./dockerfile-build";
import { localBaseImages } from "./image";
import { SandboxError } from "./errors";
import { packFiles, validateFiles } from "./files";
import { CONTAINER_SRC, liveFileReaders, notLiveMessage, writeIntoContainer, type LiveFileResult } from "./live-files";
import { builtImageLabels, runLabels, SERVICE_LABEL } from "./labels";
import type { Limits } from "./limits";
import { sandboxHostConfig } from "./container-config";
import { sandboxCgroupParent } from "./cpu-weight";
import { addIsolation, bridgeName, createRunNetwork, removeIsolation, removeNetwork } from "./network";
import { LocalRendition } from "./k8s/rendition";
import { http2Answers, sendHttpRequest } from "./service-http";
import { StageMachine, canMove, isFinal } from "./stages";
import { FrameDemuxer, MarkerSplitter, OutputBudget, type Piece, type StreamKind } from "./streams";
import { COLLECTOR_COMMAND, readSpanLine, SPAN_MARKER, SpanRate } from "./spans";
import { MARKER_BYTES_PER_SERVICE, SPAN_BURST, SPANS_PER_SECOND } from "./limits";
import { RunHistory } from "./history";
import type {
  HttpRequestSpec,
  HttpResponseSummary,
  LessonFiles,
  LoadedLesson,
  RunEndReason,
  RunEvent,
  RunHandle,
  ServiceStage,
  ServiceState,
} from "./types";
import type { ServiceSpec } from "../lib/lesson-schema";

const HEALTH_POLL_MS = 40;
/** Seconds between SIGTERM and SIGKILL when a run stops: long enough for a graceful shutdown to log. */
const STOP_GRACE_SECONDS = 2;
/**
 * The same when the learner stops or restarts one service: `docker stop`'s default, so a shutdown that waits for
 * the requests in flight (lesson 16.9) can be watched to the end.
 */
const SERVICE_STOP_GRACE_SECONDS = 10;
/** The /tmp of a container built from a Dockerfile: its program needs no build space there. */
const BUILT_TMPFS_BYTES = 64 * 1024 * 1024;

/** What a service container runs: the sandbox image's runner fed files on stdin, or a learner's built image. */
interface Launch {
  image: string;
  cmd?: string[];
  user: string;
  stdin: boolean;
  tmpfs: Record<string, string>;
}

interface ServiceRuntime {
  spec: ServiceSpec;
  machine: StageMachine;
  container?: Docker.Container;
  /** The attach stream: the files go in on stdin, the output comes back multiplexed. */
  stream?: Duplex;
  hostPort?: number;
  detail?: string;
  buildOutput: string;
  budget: OutputBudget;
  /** How fast the collector's span lines are read; past it they are dropped unread. */
  spanRate: SpanRate;
  startedAt: number;
  /** A service built from its Dockerfile: the run's image of it, and a way to stop the build. */
  builtTag?: string;
  buildAbort?: AbortController;
  /** Span lines that could not be read, and spans whose attributes were cut; each reported once. */
  badSpanLines: number;
  cutSpans: number;
  /** Errors met while reading the container's output; the first is reported, none is thrown. */
  readErrors: number;
  /** A Kubernetes Service of the lesson: its pods and port belong to the run's local rendition. */
  rendered?: boolean;
  /** Live files as this container has them now (lesson path → text), to skip a write that changes nothing. */
  liveText: Map<string, string>;
  /** How the container was made, so a restart from the page makes the same one again. */
  launch?: Launch;
  /** Counts the service's containers: output and exits of a container a restart replaced are ignored. */
  generation: number;
  /** Set while a restart from the page replaces the container: the run does not end meanwhile. */
  restarting?: Promise<void>;
  /** The learner stopped this service from the page; its exit code is still reported. */
  stoppedFromPage?: boolean;
  /** A container in its grace period after a stop from the page; stopping the whole run kills it at once. */
  retiring?: Docker.Container;
}

/** What a service's runtime starts each life with: at a Run, and again at a restart from the page. */
function freshLife(limits: Limits) {
  return {
    machine: new StageMachine(),
    buildOutput: "",
    budget: new OutputBudget(limits.outputBytesPerStream),
    spanRate: new SpanRate(),
    startedAt: 0,
    badSpanLines: 0,
    cutSpans: 0,
    readErrors: 0,
    liveText: new Map<string, string>(),
    detail: undefined,
    hostPort: undefined,
    stream: undefined,
    stoppedFromPage: undefined,
  } satisfies Partial<ServiceRuntime>;
}

export class Run implements RunHandle {
  /** What a listener that attaches late (a reloaded page) is replayed: bounded per service. */
  private readonly history = new RunHistory();
  private readonly listeners = new Set<(e: RunEvent) => void>();
  private readonly runtimes = new Map<string, ServiceRuntime>();
  private network?: { id: string; name: string; bridge: string };
  private wallClock?: NodeJS.Timeout;
  private stopping?: Promise<void>;
  private preparing?: Promise<void>;
  private starting?: Promise<void>;
  private files?: LessonFiles;
  private imageTag?: string;
  /** Set when a newer Run of the same owner takes over: the owner's standby is kept for that one. */
  replaced = false;
  private endedWith?: RunEndReason;
  readonly createdAt = Date.now();
  /** A lesson of Kubernetes manifests runs them on Docker (sandbox/k8s); undefined for every other lesson. */
  private readonly rendition?: LocalRendition;

  constructor(
    readonly id: string,
    readonly lesson: LoadedLesson,
    readonly owner: string,
    readonly limits: Limits,
  ) {
    for (const spec of lesson.manifest.services) {
      this.runtimes.set(spec.name, { spec, generation: 0, ...freshLife(limits) });
    }
    if (lesson.manifest.kubernetes) this.rendition = this.createRendition(lesson.manifest.kubernetes);
  }

  /** One runtime per exposed Kubernetes Service (its stage, its port) and the rendition that drives them. */
  private createRendition(spec: NonNullable<LoadedLesson["manifest"]["kubernetes"]>): LocalRendition {
    for (const name of spec.services) {
      this.runtimes.set(name, {
        spec: { name, dir: spec.manifests[0], port: 80, protocol: "http", env: {}, dependsOn: [] },
        generation: 0,
        rendered: true,
        ...freshLife(this.limits),
      });
    }
    const runtime = (service: string): ServiceRuntime => this.runtimes.get(service)!;
    const labels = (): Record<string, string> => runLabels(this.id, this.lesson.slug, this.owner);
    return new LocalRendition(
      {
        runId: this.id,
        lessonSlug: this.lesson.slug,
        limits: this.limits,
        startedAt: () => runtime(spec.services[0]).startedAt,
        networkName: () => this.network?.name,
        containerLabels: labels,
        imageLabels: () => builtImageLabels(labels()),
        stopping: () => this.stopping !== undefined,
        system: (text, service) => this.system(text, service),
        log: (service, stream, text) => this.output(runtime(service), stream, Buffer.from(text, "utf8")),
        diagnostics: (service, diagnostics) => this.emit({ type: "diagnostics", service, diagnostics }),
        setStage: (service, stage, detail) => this.setStage(runtime(service), stage, detail),
        setPort: (service, hostPort) => {
          runtime(service).hostPort = hostPort;
          this.emit({ type: "ports", service, hostPort });
        },
      },
      spec,
    );
  }

  get lessonSlug(): string {
    return this.lesson.slug;
  }

  get ended(): boolean {
    return this.endedWith !== undefined;
  }

  /** True from the moment stop() is called. */
  get stopRequested(): boolean {
    return this.stopping !== undefined;
  }

  subscribe(listener: (event: RunEvent) => void): () => void {
    for (const event of this.history.replay()) listener(event);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: RunEvent): void {
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
    return [...this.runtimes.values()].map((r) => ({
      name: r.spec.name,
      stage: r.machine.stage,
      hostPort: r.hostPort,
      protocol: r.spec.protocol,
      detail: r.detail,
    }));
  }

  private setStage(rt: ServiceRuntime, stage: ServiceStage, detail?: string): void {
    if (!rt.machine.move(stage)) return;
    rt.detail = detail;
    this.emit({ type: "stage", service: rt.spec.name, stage, detail, at: Date.now() });
    if (isFinal(stage)) this.stopIfAllFinal();
  }

  /** A run whose services have all stopped or failed holds nothing worth keeping: its resources go. */
  private stopIfAllFinal(): void {
    const all = [...this.runtimes.values()];
    if (this.stopping || !all.every((r) => isFinal(r.machine.stage) && !r.restarting)) return;
    void this.stop(all.some((r) => r.machine.stage === "failed") ? "failed" : "stopped");
  }

  whenAllRunning(): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const states = [...this.runtimes.values()];
        const failed = states.find((r) => r.machine.stage === "failed");
        if (failed) {
          reject(new Error(`${failed.spec.name} failed: ${failed.detail ?? "see its log"}`));
          return true;
        }
        if (states.every((r) => r.machine.stage === "running")) {
          resolve();
          return true;
        }
        if (this.ended) {
          reject(new Error(`the run ended (${this.endedWith})`));
          return true;
        }
        return false;
      };
      if (check()) return;
      const unsubscribe = this.subscribe((e) => {
        if ((e.type === "stage" || e.type === "ended") && check()) queueMicrotask(unsubscribe);
      });
    });
  }

  get preparedImage(): string | undefined {
    return this.imageTag;
  }

  /**
   * Creates the network and every service container, started and blocked reading its files from stdin. Done
   * ahead of time for a learner's next Run (a standby), this takes network and container start-up (~0.4 s on
   * this machine) out of the edit → answer loop.
   */
  prepare(imageTag: string): Promise<void> {
    this.preparing ??= (async () => {
      this.imageTag = imageTag;
      const d = await docker();
      const labels = runLabels(this.id, this.lesson.slug, this.owner);
      // The rules come first, for the bridge's name before it exists: the network is never up without them, and a
      // run whose isolation cannot be proven fails here, before any network or container of it exists.
      const bridge = bridgeName(this.id);
      await addIsolation(bridge);
      try {
        this.network = await createRunNetwork(this.id, labels);
      } catch (err) {
        await removeIsolation(bridge);
        throw err;
      }
      // A service built from a Dockerfile gets its container once its image exists (at Run, from the files).
      const tmpfs = `rw,exec,nosuid,nodev,size=${this.limits.tmpfsBytes},uid=1000,gid=1000`;
      await Promise.all(
        [...this.runtimes.values()]
          .filter((rt) => !rt.spec.build && !rt.rendered)
          .map((rt) =>
            this.createService(d, rt, labels, {
              image: imageTag,
              cmd: ["/bin/sh", "/opt/playground/run-service.sh", ...(rt.spec.command ?? [])],
              user: "1000:1000",
              stdin: true,
              tmpfs: { "/tmp": tmpfs, "/work": tmpfs },
            }),
          ),
      );
    })();
    return this.preparing;
  }

  /** Prepares (unless a standby already did) and launches every service with the learner's files. */
  start(imageTag: string, files: LessonFiles): Promise<void> {
    this.starting ??= (async () => {
      this.files = files;
      this.wallClock = setTimeout(() => {
        this.system(`wall-clock limit of ${Math.round(this.limits.runWallClockMs / 1000)} s reached: stopping the run`);
        void this.stop("timeout");
      }, this.limits.runWallClockMs);
      this.wallClock.unref();
      const launchedAt = Date.now();
      for (const rt of this.runtimes.values()) rt.startedAt = launchedAt;
      const archive = await packFiles(files);
      try {
        await this.prepare(imageTag);
      } catch (err) {
        for (const rt of this.runtimes.values()) this.setStage(rt, "failed", (err as Error).message);
        throw err;
      }
      const rendered = this.rendition?.start(files).catch((err: unknown) => {
        if (this.stopping) return;
        for (const rt of this.runtimes.values()) if (rt.rendered) this.setStage(rt, "failed", (err as Error).message);
      });
      await Promise.all(
        [...this.runtimes.values()].map(async (rt) => {
          if (rt.rendered) return;
          try {
            for (const dep of rt.spec.dependsOn) await this.waitRunning(dep);
            if (this.stopping) return;
            if (rt.spec.build) return await this.buildAndLaunch(rt, files);
            if (!rt.stream) throw new Error("its container did not start");
            rt.stream.end(archive);
          } catch (err) {
            if (!this.stopping) this.setStage(rt, "failed", (err as Error).message);
          }
        }),
      );
      await rendered;
    })();
    return this.starting;
  }

  private waitRunning(name: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const stage = this.runtimes.get(name)!.machine.stage;
        if (stage === "running") resolve();
        else if (isFinal(stage))
          reject(new Error(`it depends on ${name}, which ${stage === "failed" ? "failed" : "stopped"}`));
        else return false;
        return true;
      };
      if (check()) return;
      const unsubscribe = this.subscribe((e) => {
        if ((e.type === "stage" && e.service === name) || e.type === "ended") {
          if (check()) queueMicrotask(unsubscribe);
        }
      });
    });
  }

  /**
   * Builds the service's image from the learner's Dockerfile (its folder is the context), reports its size next to
   * the stages left behind, then runs it in a container with the same limits as every other service.
   */
  private async buildAndLaunch(rt: ServiceRuntime, files: LessonFiles): Promise<void> {
    const { spec } = rt;
    const dockerfile = spec.build!.dockerfile;
    this.setStage(rt, "building");
    const bases = await localBaseImages();
    this.system(
      `docker build ${spec.dir} (${dockerfile}). No image registry is reachable here, so local images stand in: ` +
        bases.map((b) => `${b.name} = ${b.description}`).join("; ") +
        "; scratch = the empty image.",
      spec.name,
    );
    const abort = new AbortController();
    rt.buildAbort = abort;
    const remainingMs = rt.startedAt + this.limits.startTimeoutMs - Date.now();
    const timer = setTimeout(() => abort.abort(), Math.max(0, remainingMs));
    rt.builtTag = builtImageTag(this.lesson.slug, spec.name, this.id);
    const started = Date.now();
    let built: BuiltImage;
    try {
      built = await buildServiceImage({
        files,
        dir: spec.dir,
        dockerfile,
        tag: rt.builtTag,
        labels: builtImageLabels(runLabels(this.id, this.lesson.slug, this.owner)),
        limits: this.limits,
        baseImages: bases,
        signal: abort.signal,
        onOutput: (text) => {
          if (rt.buildOutput.length < 256 * 1024) rt.buildOutput += text;
          this.output(rt, "stdout", Buffer.from(text, "utf8"));
        },
      });
    } catch (err) {
      if (this.stopping) return;
      const message =
        abort.signal.aborted && err instanceof ImageBuildError
          ? `the image build did not finish within ${this.limits.startTimeoutMs / 1000} s`
          : (err as Error).message;
      const dockerfilePath = `${spec.dir}/${dockerfile}`;
      this.emit({
        type: "diagnostics",
        service: spec.name,
        diagnostics: [
          ...parseGoDiagnostics(rt.buildOutput, spec.name, spec.dir),
          ...dockerfileDiagnostics(message, spec.name, dockerfilePath),
        ],
      });
      this.system(`image build failed: ${message}`, spec.name);
      this.setStage(rt, "failed", `image build failed: ${message.split("\n")[0]}`);
      return;
    } finally {
      clearTimeout(timer);
    }
    if (this.stopping) return;
    const seconds = (Date.now() - started) / 1000;
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
      const labels = runLabels(this.id, this.lesson.slug, this.owner);
      await this.createService(await docker(), rt, labels, {
        image: built.tag,
        user,
        stdin: false,
        tmpfs: { "/tmp": `rw,noexec,nosuid,nodev,size=${BUILT_TMPFS_BYTES},mode=1777` },
      });
    } catch (err) {
      if (!this.stopping) this.setStage(rt, "failed", `the image did not start: ${(err as Error).message}`);
      return;
    }
    if (this.stopping) return;
    this.setStage(rt, "starting");
    void this.pollUntilUp(rt);
  }

  private async createService(
    d: Docker,
    rt: ServiceRuntime,
    labels: Record<string, string>,
    launch: Launch,
  ): Promise<void> {
    const { spec } = rt;
    rt.launch = launch;
    const generation = ++rt.generation;
    const portKey = `${spec.port}/tcp`;
    const container = await d.createContainer({
      name: `playground-${this.id}-${spec.name}`,
      Image: launch.image,
      Cmd: launch.cmd,
      User: launch.user,
      Hostname: spec.name,
      WorkingDir: launch.stdin ? "/work" : undefined,
      Env: [
        `PLAYGROUND_SERVICE_DIR=${spec.dir}`,
        `SERVICE_NAME=${spec.name}`,
        `PORT=${spec.port}`,
        ...Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      ],
      Labels: { ...labels, [SERVICE_LABEL]: spec.name },
      OpenStdin: launch.stdin,
      StdinOnce: launch.stdin,
      AttachStdin: launch.stdin,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      ExposedPorts: { [portKey]: {} },
      HostConfig: sandboxHostConfig({
        network: this.network!.name,
        ports: [portKey],
        tmpfs: launch.tmpfs,
        memoryBytes: this.limits.memoryBytes,
        cpus: this.limits.cpus,
        pids: this.limits.pids,
        cgroupParent: await sandboxCgroupParent(),
      }),
      NetworkingConfig: { EndpointsConfig: { [this.network!.name]: { Aliases: [spec.name] } } },
    });
    rt.container = container;
    // stop() waits for start to settle before removing, so a container created meanwhile is still removed.
    if (this.stopping) return;

    const stream = (await container.attach({
      stream: true,
      hijack: true,
      stdin: launch.stdin,
      stdout: true,
      stderr: true,
    })) as Duplex;
    this.pipeOutput(rt, stream, generation);
    // Before start: after a quick exit the container may be gone and wait would 404 (dockerode #582).
    const exited = container.wait({ condition: "next-exit" }) as Promise<{ StatusCode: number }>;
    await container.start();
    rt.stream = stream;
    void exited.then(
      (r) => this.onExit(rt, generation, r.StatusCode),
      () => this.onExit(rt, generation, -1),
    );
    const info = await container.inspect();
    const binding = info.NetworkSettings.Ports?.[portKey]?.[0];
    if (binding) {
      rt.hostPort = Number(binding.HostPort);
      this.emit({ type: "ports", service: spec.name, hostPort: rt.hostPort });
    }
  }

  /**
   * Reads a container's output. Everything in it is the program's to choose, so nothing here may throw out of a
   * stream handler: an error is reported on the service's terminal and the rest of the output still flows.
   */
  private pipeOutput(rt: ServiceRuntime, stream: Duplex, generation: number): void {
    const demuxer = new FrameDemuxer();
    // Output is read as text across frames: a frame may end inside a UTF-8 character or inside a marker line.
    const readers = {
      stdout: { text: new StringDecoder("utf8"), splitter: new MarkerSplitter() },
      stderr: { text: new StringDecoder("utf8"), splitter: new MarkerSplitter() },
    };
    stream.on("data", (chunk: Buffer) => {
      // A restart has replaced this container; what it still prints while it is removed is not the service's now.
      if (rt.generation !== generation) return;
      try {
        for (const frame of demuxer.push(chunk)) {
          // A learner's built image prints only its own output: no marker is read from it. The runner's failure
          // markers come on stderr right after the messages they follow (the engine keeps the order within one
          // pipe, not across the two), so both pipes are split; honours() says which lines count, and when.
          if (!rt.spec.build) {
            const reader = readers[frame.stream];
            this.readPieces(rt, frame.stream, reader.splitter.split(reader.text.write(frame.data)));
          } else {
            if (frame.stream === "stderr") this.collectBuildOutput(rt, frame.data);
            if (frame.data.length > 0) this.output(rt, frame.stream, frame.data);
          }
        }
      } catch (err) {
        this.readFailed(rt, err);
      }
    });
    stream.on("end", () => {
      if (rt.generation !== generation || rt.spec.build) return;
      try {
        // What the decoder and the splitter still hold: a last line without its newline.
        for (const kind of ["stdout", "stderr"] as const) {
          const reader = readers[kind];
          this.readPieces(rt, kind, [...reader.splitter.split(reader.text.end()), ...reader.splitter.end()]);
        }
      } catch (err) {
        this.readFailed(rt, err);
      }
    });
    stream.on("error", () => {
      // The hijacked connection ends abruptly when the container is removed; the exit handler reports why.
    });
  }

  /** An error met while reading a service's output: said once on its terminal, never thrown. */
  private readFailed(rt: ServiceRuntime, err: unknown): void {
    if (rt.readErrors++ > 0) return;
    try {
      this.system(
        `part of ${rt.spec.name}'s output could not be read (${err instanceof Error ? err.message : String(err)}) and was skipped`,
        rt.spec.name,
      );
    } catch {
      // Nothing left to tell the learner with; the output that follows is still read.
    }
  }

  /**
   * Text and marker lines in the order the program wrote them. A marker line the engine honours at this point of
   * the service's life is acted on, after the text before it is out; any other is the program's own output.
   */
  private readPieces(rt: ServiceRuntime, stream: StreamKind, pieces: Piece[]): void {
    let text = "";
    const flush = (): void => {
      if (text === "") return;
      const data = Buffer.from(text, "utf8");
      text = "";
      if (stream === "stderr") this.collectBuildOutput(rt, data);
      this.output(rt, stream, data);
    };
    for (const piece of pieces) {
      if (piece.kind === "text") {
        text += piece.text;
      } else if (this.honours(rt, stream, piece.body)) {
        flush();
        this.onMarker(rt, piece.body, piece.line.length);
      } else {
        text += `${piece.line}\n`;
      }
    }
    flush();
  }

  /**
   * Which marker lines are the engine's. Stage words come from the sandbox image's runner, which prints them before
   * it hands over to the service's program: after that they are the program's text (a program that prints
   * "@@playground:failed" does not fail). Spans come from the image's collector only (on stdout): its lines are
   * built from what the services send it, so they are read as untrusted, but a learner's program cannot forge them.
   * (The runner also runs the learner's go generate before its last stage word; what that prints can only move its
   * own service forward, once per stage, as a failed build would.)
   */
  private honours(rt: ServiceRuntime, stream: StreamKind, body: string): boolean {
    const space = body.indexOf(" ");
    const word = space === -1 ? body : body.slice(0, space);
    if (word === SPAN_MARKER) return stream === "stdout" && rt.spec.command?.[0] === COLLECTOR_COMMAND;
    const stage = rt.machine.stage;
    if (stage !== "queued" && stage !== "building") return false;
    return word === "building" || word === "starting" || word === "build-failed" || word === "failed";
  }

  /** Keeps what the build prints on stderr, for the compiler's markers in the editor. */
  private collectBuildOutput(rt: ServiceRuntime, data: Buffer): void {
    const stage = rt.machine.stage;
    if ((stage === "queued" || stage === "building") && rt.buildOutput.length < 256 * 1024) {
      rt.buildOutput += data.toString("utf8");
    }
  }

  /** Forwards a service's output within its budget; past the budget the rest is counted and a notice shown once. */
  private output(rt: ServiceRuntime, stream: "stdout" | "stderr", data: Buffer): void {
    const name = rt.spec.name;
    const { keep, justExceeded } = rt.budget.take(stream, data);
    if (keep.length) this.emit({ type: "log", service: name, stream, text: keep.toString("utf8") });
    if (justExceeded) {
      this.system(
        `output truncated: ${name} wrote more than ${Math.round(this.limits.outputBytesPerStream / 1024)} KiB to ${stream}; the rest is dropped (counted, not shown)`,
        name,
      );
    }
  }

  /** Acts on a marker line the engine honours (see honours); each stage word acts once, when its move is allowed. */
  private onMarker(rt: ServiceRuntime, marker: string, bytes: number): void {
    const space = marker.indexOf(" ");
    const word = space === -1 ? marker : marker.slice(0, space);
    const detail = space === -1 ? undefined : marker.slice(space + 1) || undefined;
    const allowance = rt.budget.takeMarker(bytes);
    if (word === SPAN_MARKER) {
      if (!allowance.ok) {
        if (allowance.justExceeded)
          this.system(
            `span lines past ${MARKER_BYTES_PER_SERVICE / 1024 / 1024} MiB: the rest of ${rt.spec.name}'s spans are dropped (counted, not read)`,
            rt.spec.name,
          );
        return;
      }
      const rate = rt.spanRate.take();
      if (rate.ok) this.onSpanLine(rt, detail ?? "");
      else if (rate.notice)
        this.system(
          `spans arrive faster than ${SPANS_PER_SECOND} a second (after a burst of ${SPAN_BURST}): the trace view drops the rest until they slow down (${rt.spanRate.dropped} dropped so far)`,
          rt.spec.name,
        );
      return;
    }
    // Stage words are honoured past the allowance: each moves the stage at most once, so they cost nothing more.
    if (word === "building") {
      this.setStage(rt, "building");
    } else if (word === "starting") {
      if (!canMove(rt.machine.stage, "starting")) return;
      const took = Date.now() - rt.startedAt;
      this.system(`built in ${(took / 1000).toFixed(2)} s; starting`, rt.spec.name);
      this.setStage(rt, "starting");
      this.emit({ type: "diagnostics", service: rt.spec.name, diagnostics: [] });
      void this.pollUntilUp(rt);
    } else if (word === "build-failed") {
      if (!canMove(rt.machine.stage, "failed")) return;
      this.emitBuildDiagnostics(rt);
      this.setStage(rt, "failed", "build failed");
    } else if (word === "failed") {
      this.setStage(rt, "failed", detail?.slice(0, 1000));
    }
  }

  /** A span line of the collector: read within bounds, cut to the limits of its attributes, or skipped with a word. */
  private onSpanLine(rt: ServiceRuntime, json: string): void {
    const read = readSpanLine(json);
    if (!read.span) {
      if (rt.badSpanLines++ === 0)
        this.system(`a span line could not be read and was skipped: ${read.why}`, rt.spec.name);
      return;
    }
    if (read.cut > 0 && rt.cutSpans++ === 0)
      this.system("a span had longer or deeper attributes than the playground keeps; they were cut (…)", rt.spec.name);
    this.emit({ type: "span", span: read.span });
  }

  private emitBuildDiagnostics(rt: ServiceRuntime): void {
    const diagnostics = parseGoDiagnostics(rt.buildOutput, rt.spec.name, rt.spec.dir);
    this.emit({ type: "diagnostics", service: rt.spec.name, diagnostics });
  }

  /** Waits for the service to answer on its published port (its health path, or a TCP-level answer). */
  private async pollUntilUp(rt: ServiceRuntime): Promise<void> {
    const since = rt.generation > 1 ? "the restart" : "Run";
    const deadline = rt.startedAt + this.limits.startTimeoutMs;
    const healthPath = rt.spec.health?.path ?? "/";
    const wantStatus = rt.spec.health?.status;
    while (rt.machine.stage === "starting" && !this.stopping) {
      if (Date.now() > deadline) {
        this.setStage(rt, "failed", `did not answer within ${this.limits.startTimeoutMs / 1000} s`);
        return;
      }
      if (rt.hostPort && rt.spec.protocol === "grpc") {
        if (await http2Answers(rt.hostPort)) {
          const took = ((Date.now() - rt.startedAt) / 1000).toFixed(2);
          this.setStage(rt, "running");
          this.system(
            `running (gRPC): 127.0.0.1:${rt.hostPort} → ${rt.spec.name}:${rt.spec.port} (${took} s after ${since})`,
            rt.spec.name,
          );
          return;
        }
      } else if (rt.hostPort) {
        try {
          const res = await fetch(`http://127.0.0.1:${rt.hostPort}${healthPath}`, {
            signal: AbortSignal.timeout(1000),
          });
          await res.body?.cancel();
          const healthy = wantStatus === undefined || res.status === wantStatus;
          if (healthy) {
            const took = ((Date.now() - rt.startedAt) / 1000).toFixed(2);
            this.setStage(rt, "running");
            this.system(
              `running: http://127.0.0.1:${rt.hostPort} → ${rt.spec.name}:${rt.spec.port} (${took} s after ${since})`,
              rt.spec.name,
            );
            return;
          }
        } catch {
          // Not listening yet: the engine's port proxy accepts and then drops the connection.
        }
      }
      await new Promise((r) => setTimeout(r, HEALTH_POLL_MS));
    }
  }

  private async onExit(rt: ServiceRuntime, generation: number, code: number): Promise<void> {
    if (this.stopping || rt.generation !== generation) return;
    if (rt.stoppedFromPage) {
      // How a service ends on SIGTERM is part of what the learner stopped it to see (graceful shutdown: code 0).
      this.system(
        `${rt.spec.name} exited with code ${code}${code === 137 ? " (killed after the grace period)" : ""}`,
        rt.spec.name,
      );
      return;
    }
    if (isFinal(rt.machine.stage)) return;
    let reason = `exited with code ${code}`;
    try {
      const info = await rt.container!.inspect();
      if (info.State.OOMKilled) {
        reason = `killed: out of memory (limit ${Math.round(this.limits.memoryBytes / 1024 / 1024)} MiB)`;
      }
    } catch {
      // Already removed: keep the exit code as the reason.
    }
    const dropped = rt.budget.dropped("stdout") + rt.budget.dropped("stderr");
    if (dropped > 0) this.system(`${dropped} bytes of output were dropped`, rt.spec.name);
    this.system(reason, rt.spec.name);
    this.setStage(rt, "failed", reason);
  }

  async request(spec: HttpRequestSpec): Promise<HttpResponseSummary> {
    const rt = this.runtimes.get(spec.service);
    if (!rt) throw new SandboxError("BAD_REQUEST", `This lesson has no service "${spec.service}".`);
    if (rt.stoppedFromPage && rt.machine.stage === "stopped" && !rt.restarting && !this.stopping) {
      throw new SandboxError(
        "SERVICE_NOT_RUNNING",
        `${spec.service} is stopped: you stopped it from its log pane.`,
        "Press Restart in its log pane to start it again (or Run to start every service).",
      );
    }
    if (!rt.hostPort || !["running", "starting"].includes(rt.machine.stage)) {
      throw new SandboxError("SERVICE_NOT_RUNNING", `${spec.service} is not running; press Run first.`);
    }
    return sendHttpRequest(rt.hostPort, spec);
  }

  /**
   * Writes edited live files (see sandbox/live-files.ts) into the running containers of the services that re-read
   * them, without a restart. A file no running service re-reads gets an answer saying a Run applies it.
   */
  async updateFiles(input: LessonFiles): Promise<LiveFileResult[]> {
    const files = validateFiles(input);
    if (this.stopping) throw new SandboxError("SERVICE_NOT_RUNNING", "This run has stopped; press Run first.");
    const specs = [...this.runtimes.values()].filter((rt) => !rt.rendered).map((rt) => rt.spec);
    const results: LiveFileResult[] = [];
    for (const [path, text] of Object.entries(files)) {
      const name = path.split("/").pop() ?? path;
      const { live, startupOnly } = liveFileReaders(specs, path);
      if (live.length === 0) {
        results.push({ path, updated: [], failed: [], message: notLiveMessage(path, startupOnly) });
        continue;
      }
      const targets = live.map((service) => this.runtimes.get(service)!);
      const running = targets.filter((rt) => rt.container && ["starting", "running"].includes(rt.machine.stage));
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
      if (running.every((rt) => (rt.liveText.get(path) ?? original) === text)) {
        results.push({
          path,
          updated: [],
          failed: [],
          unchanged: true,
          message: `${name} is unchanged: the running ${running.map((rt) => rt.spec.name).join(", ")} already has it.`,
        });
        continue;
      }
      const updated: string[] = [];
      const failed: string[] = [];
      const problems: string[] = [];
      for (const rt of running) {
        try {
          await writeIntoContainer(rt.container!, "1000:1000", `${CONTAINER_SRC}/${path}`, text);
          rt.liveText.set(path, text);
          updated.push(rt.spec.name);
          this.system(`${name} updated in the running container (no restart)`, rt.spec.name);
        } catch (err) {
          failed.push(rt.spec.name);
          problems.push(`${rt.spec.name}: ${(err as Error).message}`);
          this.system(`${name} could not be updated in the running container: ${(err as Error).message}`, rt.spec.name);
        }
      }
      const notRunning = live.filter((s) => !running.some((rt) => rt.spec.name === s));
      const parts = [];
      if (updated.length) parts.push(`${name} sent to the running ${updated.join(", ")}`);
      if (problems.length) parts.push(`failed for ${problems.join("; ")}`);
      if (notRunning.length) parts.push(`${notRunning.join(", ")} not running`);
      results.push({ path, updated, failed, message: `${parts.join("; ")}.` });
    }
    return results;
  }

  /** The service a learner asks to stop or restart, if the run can still do it. */
  private controllable(name: string): ServiceRuntime {
    const rt = this.runtimes.get(name);
    if (!rt) throw new SandboxError("BAD_REQUEST", `This lesson has no service "${name}".`);
    if (this.stopping) throw new SandboxError("SERVICE_NOT_RUNNING", "This run has ended; press Run to start again.");
    if (rt.rendered) {
      throw new SandboxError(
        "BAD_REQUEST",
        `${name} is a Kubernetes Service of the local rendition: its pods are restarted by their liveness probes.`,
        "Break a probe to see a pod restarted, or press Run to start every pod again.",
      );
    }
    return rt;
  }

  /**
   * Stops one service as `docker stop` would (SIGTERM, then SIGKILL after the grace period); the rest of the run
   * goes on, so the learner sees how the others cope (a client's errors, Consul's health check going critical).
   */
  async stopService(name: string): Promise<void> {
    const rt = this.controllable(name);
    if (rt.restarting) await rt.restarting;
    if (isFinal(rt.machine.stage)) return;
    await this.retire(rt, "stopped from the page");
  }

  /**
   * Replaces one service's container with a new one built from this Run's files: the same code, a fresh process
   * (edits made since are applied by Run, which rebuilds every service).
   */
  async restartService(name: string): Promise<void> {
    const rt = this.controllable(name);
    if (rt.restarting) return rt.restarting;
    const files = this.files;
    const launch = rt.launch;
    if (!files || !launch || !this.network) {
      throw new SandboxError(
        "SERVICE_NOT_RUNNING",
        `${name} has no container to restart yet.`,
        rt.spec.build ? "Its image is built at Run; press Run to build it again." : "Wait for the Run to start it.",
      );
    }
    if (rt.machine.stage === "queued" || rt.machine.stage === "building") {
      throw new SandboxError(
        "SERVICE_NOT_RUNNING",
        `${name} is still being started.`,
        "Wait until it runs or fails, then restart it.",
      );
    }
    const restart = (async () => {
      // Yield once so `rt.restarting` is set before the old container's stop could end the whole run.
      await Promise.resolve();
      try {
        await this.retire(rt, "restarting");
        if (this.stopping) return;
        this.system(`starting ${name} again with this Run's files (press Run to apply later edits)`, name);
        Object.assign(rt, freshLife(this.limits), { startedAt: Date.now() });
        this.emit({ type: "stage", service: name, stage: "queued", at: rt.startedAt });
        await this.createService(await docker(), rt, runLabels(this.id, this.lesson.slug, this.owner), launch);
        if (this.stopping) return;
        if (launch.stdin) {
          rt.stream!.end(await packFiles(files));
        } else {
          this.setStage(rt, "starting");
          void this.pollUntilUp(rt);
        }
      } catch (err) {
        if (!this.stopping) this.setStage(rt, "failed", `could not restart: ${(err as Error).message}`);
      }
    })();
    rt.restarting = restart;
    void restart.finally(() => {
      rt.restarting = undefined;
      this.stopIfAllFinal();
    });
    return restart;
  }

  /** Ends the service's container (gracefully once it serves) and removes it; its stage becomes stopped. */
  private async retire(rt: ServiceRuntime, why: string): Promise<void> {
    const graceful = rt.machine.stage === "starting" || rt.machine.stage === "running";
    const name = rt.spec.name;
    rt.stoppedFromPage = true;
    rt.buildAbort?.abort();
    if (!isFinal(rt.machine.stage)) {
      this.system(
        graceful
          ? `${why}: SIGTERM to ${name}, ${SERVICE_STOP_GRACE_SECONDS} s to finish before SIGKILL`
          : `${why}: ${name}`,
        name,
      );
    }
    this.setStage(rt, "stopped", why);
    const container = rt.container;
    if (!container) return;
    rt.retiring = container;
    if (graceful) await container.stop({ t: SERVICE_STOP_GRACE_SECONDS }).catch(() => {});
    await container.remove({ force: true, v: true }).catch(() => {});
    rt.retiring = undefined;
    if (rt.container === container) rt.container = undefined;
  }

  /** Removes the run's containers, network and firewall rules. Safe to call any number of times. */
  stop(reason: RunEndReason = "stopped"): Promise<void> {
    this.stopping ??= (async () => {
      // Yield once so `this.stopping` is set before the stage changes below can ask for another stop.
      await Promise.resolve();
      if (this.wallClock) clearTimeout(this.wallClock);
      for (const rt of this.runtimes.values()) rt.buildAbort?.abort();
      // The rendition stops its own build and pods at once; start() then settles without waiting for them.
      const renditionStopped = this.rendition?.stop();
      // Only a service that got to serve gets a graceful stop; one still waiting for files or building is
      // killed at once (its PID 1 is a shell, which ignores SIGTERM, so a grace period would only be waited out).
      const graceful = new Set(
        [...this.runtimes.values()].filter((rt) => ["starting", "running"].includes(rt.machine.stage)),
      );
      // Marking services stopped first makes waits for dependencies fail fast, so start() settles quickly.
      for (const rt of this.runtimes.values()) this.setStage(rt, "stopped");
      await this.starting?.catch(() => {});
      // A restart from the page may be creating a container; it is removed below once it exists.
      for (const rt of this.runtimes.values()) void rt.retiring?.kill().catch(() => {});
      await Promise.all([...this.runtimes.values()].map((rt) => rt.restarting?.catch(() => {})));
      await this.preparing?.catch(() => {});
      await renditionStopped;
      await Promise.all(
        [...this.runtimes.values()].map(async (rt) => {
          if (!rt.container) return;
          if (graceful.has(rt)) await rt.container.stop({ t: STOP_GRACE_SECONDS }).catch(() => {});
          await rt.container.remove({ force: true, v: true }).catch((err: { statusCode?: number }) => {
            // 404: already gone; 409: a removal is already under way (the reaper, or the engine itself).
            if (!isNotFound(err) && err.statusCode !== 409)
              this.system(`could not remove ${rt.spec.name}: ${String(err)}`);
          });
        }),
      );
      for (const rt of this.runtimes.values()) {
        if (!rt.builtTag) continue;
        await removeBuiltImage(rt.builtTag).catch((err: unknown) =>
          this.system(`could not remove the image ${rt.builtTag}: ${String(err)}`),
        );
      }
      if (this.network) {
        await removeIsolation(this.network.bridge);
        await removeNetwork(this.network.id);
      }
      this.endedWith = reason;
      this.emit({ type: "ended", reason });
    })();
    return this.stopping;
  }
}
