// One service of a run, from its process's creation to its retirement: its stage, its output (text within budget,
// marker lines the engine honours, spans), its health wait, its exit, a stop or restart from the page. The run
// (run.ts) orchestrates many of these; where the process runs is the backend's business (backend.ts).
import { StringDecoder } from "node:string_decoder";
import type { Writable } from "node:stream";
import type { Backend, OutputSink, ProcessSpec, RunNetwork, SandboxProcess } from "./backend";
import { parseGoDiagnostics } from "./diagnostics";
import { SERVICE_LABEL } from "./labels";
import type { Lifetime } from "./lifetime";
import { MARKER_BYTES_PER_SERVICE, SPAN_BURST, SPANS_PER_SECOND, type Limits } from "./limits";
import { http2Answers } from "./service-http";
import { COLLECTOR_COMMAND, readSpanLine, SPAN_MARKER, SpanRate } from "./spans";
import { StageMachine, canMove, isFinal } from "./stages";
import { MarkerSplitter, OutputBudget, type Piece, type StreamKind } from "./streams";
import type { RunEvent, ServiceStage, ServiceState } from "./types";
import type { ServiceSpec } from "../lib/shared/lesson-schema";

const HEALTH_POLL_MS = 40;
/** The most of a build's output kept for the compiler's markers in the editor. */
export const BUILD_OUTPUT_KEPT = 256 * 1024;
/**
 * Seconds between SIGTERM and SIGKILL when the learner stops or restarts one service: `docker stop`'s default, so a
 * shutdown that waits for the requests in flight (lesson 16.9) can be watched to the end.
 */
export const SERVICE_STOP_GRACE_SECONDS = 10;

/** What a service's process runs: the sandbox image's runner fed files on stdin, or a learner's built image. */
export interface Launch {
  image: string;
  cmd?: string[];
  user: string;
  stdin: boolean;
  tmpfs: Record<string, string>;
  /** Its /etc/hosts additions: a caller's callees that the run's fault proxy stands in for (faults.ts). */
  hosts?: Record<string, string>;
}

/** What a service needs of the run it belongs to. */
export interface ServiceHost {
  readonly runId: string;
  readonly limits: Limits;
  readonly life: Lifetime;
  readonly backend: Backend;
  labels(): Record<string, string>;
  emit(event: RunEvent): void;
  system(text: string, service?: string): void;
  /** A service reached a final stage (or a restart settled): the run may have nothing left to run. */
  settled(): void;
}

/** The parts of a service that start afresh each life: at a Run, and again at a restart from the page. */
class Life {
  readonly machine = new StageMachine();
  buildOutput = "";
  readonly budget: OutputBudget;
  /** How fast the collector's span lines are read; past it they are dropped unread. */
  readonly spanRate = new SpanRate();
  startedAt = 0;
  detail?: string;
  hostPort?: number;
  stdin?: Writable;
  /** Span lines that could not be read, and spans whose attributes were cut; each reported once. */
  badSpanLines = 0;
  cutSpans = 0;
  /** Errors met while reading the process's output; the first is reported, none is thrown. */
  readErrors = 0;
  /** Live files as this process has them now (lesson path → text), to skip a write that changes nothing. */
  readonly liveText = new Map<string, string>();
  /** The learner stopped this service from the page; its exit code is still reported. */
  stoppedFromPage = false;
  /** The runner handed over to the program (or a built image started): from here on its output is the program's. */
  programStarted = false;

  constructor(limits: Limits) {
    this.budget = new OutputBudget(limits.outputBytesPerStream);
  }
}

export class ServiceLife {
  private life: Life;
  /** Counts the service's processes: output and exits of one a restart replaced are ignored. */
  private generation = 0;
  private process?: SandboxProcess;
  /** How the process was made, so a restart from the page makes the same one again. */
  launch?: Launch;
  /** A service built from its Dockerfile: the run's image of it, and a way to stop the build. */
  builtTag?: string;
  buildAbort?: AbortController;
  /** Set while a restart from the page replaces the process: the run does not end meanwhile. */
  restarting?: Promise<void>;
  /** A process in its grace period after a stop from the page; stopping the whole run kills it at once. */
  retiring?: SandboxProcess;

  constructor(
    readonly spec: ServiceSpec,
    private readonly host: ServiceHost,
    /** A Kubernetes Service of the lesson: its pods and port belong to the run's local rendition. */
    readonly rendered = false,
  ) {
    this.life = new Life(host.limits);
  }

  get name(): string {
    return this.spec.name;
  }

  get stage(): ServiceStage {
    return this.life.machine.stage;
  }

  get detail(): string | undefined {
    return this.life.detail;
  }

  get hostPort(): number | undefined {
    return this.life.hostPort;
  }

  get startedAt(): number {
    return this.life.startedAt;
  }

  set startedAt(at: number) {
    this.life.startedAt = at;
  }

  get stoppedFromPage(): boolean {
    return this.life.stoppedFromPage;
  }

  get liveText(): Map<string, string> {
    return this.life.liveText;
  }

  /** Whether a live file can be written into it now. */
  get writable(): boolean {
    return this.process !== undefined && (this.stage === "starting" || this.stage === "running");
  }

  state(): ServiceState {
    return {
      name: this.name,
      stage: this.stage,
      hostPort: this.hostPort,
      protocol: this.spec.protocol,
      detail: this.detail,
    };
  }

  setStage(stage: ServiceStage, detail?: string): void {
    if (!this.life.machine.move(stage)) return;
    if (stage === "starting" || stage === "running") this.life.programStarted = true;
    this.life.detail = detail;
    this.host.emit({ type: "stage", service: this.name, stage, detail, at: Date.now() });
    if (isFinal(stage)) this.host.settled();
  }

  setPort(hostPort: number): void {
    this.life.hostPort = hostPort;
    this.host.emit({ type: "ports", service: this.name, hostPort });
  }

  /** Starts a new life (a restart from the page): a fresh stage, budget and counters. */
  renew(): void {
    this.life = new Life(this.host.limits);
    this.life.startedAt = Date.now();
    this.host.emit({ type: "stage", service: this.name, stage: "queued", at: this.life.startedAt });
  }

  /** Makes the service's process on the run's network and starts it; its output and exit are read from then on. */
  async launchOn(network: RunNetwork, launch: Launch): Promise<void> {
    const { spec, host } = this;
    this.launch = launch;
    const generation = ++this.generation;
    const processSpec: ProcessSpec = {
      name: `${host.runId}-${spec.name}`,
      image: launch.image,
      cmd: launch.cmd,
      user: launch.user,
      hostname: spec.name,
      aliases: [spec.name],
      hosts: launch.hosts,
      workingDir: launch.stdin ? "/work" : undefined,
      env: { PLAYGROUND_SERVICE_DIR: spec.dir, SERVICE_NAME: spec.name, PORT: String(spec.port), ...spec.env },
      labels: { ...host.labels(), [SERVICE_LABEL]: spec.name },
      ports: [spec.port],
      tmpfs: launch.tmpfs,
      memoryBytes: host.limits.memoryBytes,
      cpus: host.limits.cpus,
      pids: host.limits.pids,
      stdin: launch.stdin,
    };
    const process = await host.backend.create(network, processSpec);
    // The run removes it when it ends (removeProcess), whatever step this is at: it waits for this one to settle.
    this.process = process;
    host.life.check();
    const started = await process.start(this.outputSink(generation));
    this.life.stdin = started.stdin;
    void started.exited.then((code) => this.onExit(process, generation, code));
    const hostPort = started.hostPorts.get(spec.port);
    if (hostPort) this.setPort(hostPort);
  }

  /** Gives the runner its files on stdin; it builds, then becomes the service. */
  feed(archive: Buffer): void {
    if (!this.life.stdin) throw new Error("its container did not start");
    this.life.stdin.end(archive);
  }

  /** A learner's built image started: it has no runner to say so, so the health wait begins now. */
  startedWithoutRunner(): void {
    this.setStage("starting");
    void this.pollUntilUp();
  }

  /** Forwards the service's output within its budget; past the budget the rest is counted and a notice shown once. */
  output(stream: "stdout" | "stderr", data: Buffer): void {
    const { keep, justExceeded } = this.life.budget.take(stream, data);
    if (keep.length) this.host.emit({ type: "log", service: this.name, stream, text: keep.toString("utf8") });
    if (justExceeded) {
      this.host.system(
        `output truncated: ${this.name} wrote more than ${Math.round(this.host.limits.outputBytesPerStream / 1024)} KiB to ${stream}; the rest is dropped (counted, not shown)`,
        this.name,
      );
    }
  }

  /**
   * Where the process's output goes. Output is read as text across chunks: one may end inside a UTF-8 character or
   * inside a marker line. A learner's built image prints only its own output: no marker is read from it. The
   * runner's failure markers come on stderr right after the messages they follow (the engine keeps the order within
   * one pipe, not across the two), so both pipes are split; honours() says which lines count, and when.
   */
  private outputSink(generation: number): OutputSink {
    const readers = {
      stdout: { text: new StringDecoder("utf8"), splitter: new MarkerSplitter() },
      stderr: { text: new StringDecoder("utf8"), splitter: new MarkerSplitter() },
    };
    // A restart has replaced the process; what the old one still prints while it is removed is not the service's.
    const current = (): boolean => this.generation === generation;
    return {
      data: (stream, data) => {
        if (!current()) return;
        if (this.spec.build) {
          if (stream === "stderr") this.collectBuildOutput(data);
          if (data.length > 0) this.output(stream, data);
          return;
        }
        const reader = readers[stream];
        this.readPieces(stream, reader.splitter.split(reader.text.write(data)));
      },
      end: () => {
        if (!current() || this.spec.build) return;
        // What the decoder and the splitter still hold: a last line without its newline.
        for (const kind of ["stdout", "stderr"] as const) {
          const reader = readers[kind];
          this.readPieces(kind, [...reader.splitter.split(reader.text.end()), ...reader.splitter.end()]);
        }
      },
      fault: (err) => {
        if (current()) this.readFailed(err);
      },
    };
  }

  /** An error met while reading the service's output: said once on its terminal, never thrown. */
  private readFailed(err: unknown): void {
    if (this.life.readErrors++ > 0) return;
    try {
      this.host.system(
        `part of ${this.name}'s output could not be read (${err instanceof Error ? err.message : String(err)}) and was skipped`,
        this.name,
      );
    } catch {
      // Nothing left to tell the learner with; the output that follows is still read.
    }
  }

  /**
   * Text and marker lines in the order the program wrote them. A marker line the engine honours at this point of
   * the service's life is acted on, after the text before it is out; any other is the program's own output.
   */
  private readPieces(stream: StreamKind, pieces: Piece[]): void {
    let text = "";
    const flush = (): void => {
      if (text === "") return;
      const data = Buffer.from(text, "utf8");
      text = "";
      if (stream === "stderr") this.collectBuildOutput(data);
      this.output(stream, data);
    };
    for (const piece of pieces) {
      if (piece.kind === "text") {
        text += piece.text;
      } else if (this.honours(stream, piece.body)) {
        flush();
        this.onMarker(piece.body, piece.line.length);
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
  private honours(stream: StreamKind, body: string): boolean {
    const space = body.indexOf(" ");
    const word = space === -1 ? body : body.slice(0, space);
    if (word === SPAN_MARKER) return stream === "stdout" && this.spec.command?.[0] === COLLECTOR_COMMAND;
    const stageWord = word === "building" || word === "starting" || word === "build-failed" || word === "failed";
    // Until this life's program starts, the output is the runner's: its stage words are read (and act only if the
    // move is allowed), never shown — even once the service was stopped while it still built.
    return stageWord && !this.life.programStarted;
  }

  /** Keeps what the build prints on stderr, for the compiler's markers in the editor. */
  private collectBuildOutput(data: Buffer): void {
    if ((this.stage === "queued" || this.stage === "building") && this.life.buildOutput.length < BUILD_OUTPUT_KEPT) {
      this.life.buildOutput += data.toString("utf8");
    }
  }

  /** Acts on a marker line the engine honours (see honours); each stage word acts once, when its move is allowed. */
  private onMarker(marker: string, bytes: number): void {
    const space = marker.indexOf(" ");
    const word = space === -1 ? marker : marker.slice(0, space);
    const detail = space === -1 ? undefined : marker.slice(space + 1) || undefined;
    const allowance = this.life.budget.takeMarker(bytes);
    if (word === SPAN_MARKER) {
      if (!allowance.ok) {
        if (allowance.justExceeded)
          this.host.system(
            `span lines past ${MARKER_BYTES_PER_SERVICE / 1024 / 1024} MiB: the rest of ${this.name}'s spans are dropped (counted, not read)`,
            this.name,
          );
        return;
      }
      const rate = this.life.spanRate.take();
      if (rate.ok) this.onSpanLine(detail ?? "");
      else if (rate.notice)
        this.host.system(
          `spans arrive faster than ${SPANS_PER_SECOND} a second (after a burst of ${SPAN_BURST}): the trace view drops the rest until they slow down (${this.life.spanRate.dropped} dropped so far)`,
          this.name,
        );
      return;
    }
    // Stage words are honoured past the allowance: each moves the stage at most once, so they cost nothing more.
    if (word === "building") {
      this.setStage("building");
    } else if (word === "starting") {
      if (!canMove(this.stage, "starting")) return;
      const took = Date.now() - this.life.startedAt;
      this.host.system(`built in ${(took / 1000).toFixed(2)} s; starting`, this.name);
      this.setStage("starting");
      this.host.emit({ type: "diagnostics", service: this.name, diagnostics: [] });
      void this.pollUntilUp();
    } else if (word === "build-failed") {
      if (!canMove(this.stage, "failed")) return;
      const diagnostics = parseGoDiagnostics(this.life.buildOutput, this.name, this.spec.dir);
      this.host.emit({ type: "diagnostics", service: this.name, diagnostics });
      this.setStage("failed", "build failed");
    } else if (word === "failed") {
      this.setStage("failed", detail?.slice(0, 1000));
    }
  }

  /** A span line of the collector: read within bounds, cut to the limits of its attributes, or skipped with a word. */
  private onSpanLine(json: string): void {
    const read = readSpanLine(json);
    if (!read.span) {
      if (this.life.badSpanLines++ === 0)
        this.host.system(`a span line could not be read and was skipped: ${read.why}`, this.name);
      return;
    }
    if (read.cut > 0 && this.life.cutSpans++ === 0)
      this.host.system(
        "a span had longer or deeper attributes than the playground keeps; they were cut (…)",
        this.name,
      );
    this.host.emit({ type: "span", span: read.span });
  }

  /** Waits for the service to answer on its published port (its health path, or a TCP-level answer). */
  private async pollUntilUp(): Promise<void> {
    const life = this.life;
    const since = this.generation > 1 ? "the restart" : "Run";
    const deadline = life.startedAt + this.host.limits.startTimeoutMs;
    const healthPath = this.spec.health?.path ?? "/";
    const wantStatus = this.spec.health?.status;
    const running = (where: string): void => {
      const took = ((Date.now() - life.startedAt) / 1000).toFixed(2);
      this.setStage("running");
      this.host.system(`${where} (${took} s after ${since})`, this.name);
    };
    while (life === this.life && life.machine.stage === "starting" && !this.host.life.ended) {
      if (Date.now() > deadline) {
        this.setStage("failed", `did not answer within ${this.host.limits.startTimeoutMs / 1000} s`);
        return;
      }
      const port = life.hostPort;
      if (port && this.spec.protocol === "grpc") {
        if (await http2Answers(port)) {
          return running(`running (gRPC): 127.0.0.1:${port} → ${this.name}:${this.spec.port}`);
        }
      } else if (port) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}${healthPath}`, { signal: AbortSignal.timeout(1000) });
          await res.body?.cancel();
          if (wantStatus === undefined || res.status === wantStatus) {
            return running(`running: http://127.0.0.1:${port} → ${this.name}:${this.spec.port}`);
          }
        } catch {
          // Not listening yet: the engine's port proxy accepts and then drops the connection.
        }
      }
      await new Promise((r) => setTimeout(r, HEALTH_POLL_MS));
    }
  }

  private async onExit(process: SandboxProcess, generation: number, code: number): Promise<void> {
    if (this.host.life.ended || this.generation !== generation) return;
    if (this.life.stoppedFromPage) {
      // How a service ends on SIGTERM is part of what the learner stopped it to see (graceful shutdown: code 0).
      this.host.system(
        `${this.name} exited with code ${code}${code === 137 ? " (killed after the grace period)" : ""}`,
        this.name,
      );
      return;
    }
    if (isFinal(this.stage)) return;
    const reason = (await process.outOfMemory())
      ? `killed: out of memory (limit ${Math.round(this.host.limits.memoryBytes / 1024 / 1024)} MiB)`
      : `exited with code ${code}`;
    const dropped = this.life.budget.dropped("stdout") + this.life.budget.dropped("stderr");
    if (dropped > 0) this.host.system(`${dropped} bytes of output were dropped`, this.name);
    this.host.system(reason, this.name);
    this.setStage("failed", reason);
  }

  /** Writes a live file into the running process, as the runner's user; remembered so an unchanged one is skipped. */
  async writeLiveFile(containerPath: string, lessonPath: string, text: string): Promise<void> {
    await this.process!.writeFile(containerPath, text, "1000:1000");
    this.life.liveText.set(lessonPath, text);
  }

  /** Ends the service's process (gracefully once it serves) and removes it; its stage becomes stopped. */
  /** A stop from the page under way (its grace period), for a run that ends meanwhile to wait for. */
  retirement?: Promise<void>;

  retire(why: string): Promise<void> {
    this.retirement = this.retireNow(why);
    return this.retirement;
  }

  private async retireNow(why: string): Promise<void> {
    const graceful = this.stage === "starting" || this.stage === "running";
    this.life.stoppedFromPage = true;
    this.buildAbort?.abort();
    if (!isFinal(this.stage)) {
      this.host.system(
        graceful
          ? `${why}: SIGTERM to ${this.name}, ${SERVICE_STOP_GRACE_SECONDS} s to finish before SIGKILL`
          : `${why}: ${this.name}`,
        this.name,
      );
    }
    this.setStage("stopped", why);
    const process = this.process;
    if (!process) return;
    this.retiring = process;
    if (graceful) await process.stop(SERVICE_STOP_GRACE_SECONDS);
    await process.remove().catch(() => {});
    this.retiring = undefined;
    if (this.process === process) this.process = undefined;
  }

  /**
   * The run is ending: builds stop; a process in its grace period after a stop from the page is killed at once when
   * the learner ended the run, and finishes its grace period when the run ends because nothing else is left.
   */
  cutShort(patient: boolean): void {
    this.buildAbort?.abort();
    if (!patient) void this.retiring?.kill();
  }

  /** Ends the process for the run's end: a graceful stop if it got to serve (its removal comes after). */
  async endWithRun(graceful: boolean, graceSeconds: number): Promise<void> {
    if (graceful) await this.process?.stop(graceSeconds);
  }

  /** Removes the service's process; a failure is said on the run's terminal. */
  async removeProcess(): Promise<void> {
    const process = this.process;
    if (!process) return;
    await process.remove().catch((err: unknown) => this.host.system(`could not remove ${this.name}: ${String(err)}`));
  }
}
