// A run's shell: an interactive terminal in a toolbox container on the run's own network, so the learner can do
// what they would do beside real services — `curl -s monolith:8080/users`, `nslookup user-service`,
// `grpcurl -plaintext user-service:50051 list`, `consul members` — with the same hardening and firewall as the services, and gone when the run ends.
import { StringDecoder } from "node:string_decoder";
import type { Backend, RunNetwork, SandboxProcess, Started } from "./backend";
import type { ShellKube } from "./k8s/shell-access";
import { SERVICE_LABEL } from "./labels";
import {
  SHELL_CPUS,
  SHELL_MEMORY_BYTES,
  SHELL_PIDS,
  SHELL_TMPFS_BYTES,
  SHELL_WINDOW_BYTES,
  MAX_SHELL_COLS,
  MAX_SHELL_ROWS,
} from "./limits";

/** Who reads the shell: one tab at a time (opening it in another tab moves it there). */
export interface ShellReader {
  output(data: string): void;
  exit(code: number): void;
  /** Another tab opened the shell; this one no longer receives it. */
  moved(): void;
}

export interface ShellHandle {
  /** Keystrokes (a paste) as the terminal sends them. */
  write(data: string): void;
  resize(cols: number, rows: number): Promise<void>;
  /** Makes `reader` the one that receives the output from now on. */
  attach(reader: ShellReader): () => void;
  /** The reader has written `chars` of output into its terminal; held-back output flows again once it caught up. */
  ack(chars: number): void;
  close(): Promise<void>;
  readonly ended: boolean;
}

export interface ShellOptions {
  backend: Backend;
  network: RunNetwork;
  runId: string;
  /** The sandbox image: busybox, the Go toolchain, the Consul CLI. */
  image: string;
  /** Counts the run's shells: one that exited may still be on its way out when the next one starts. */
  serial: number;
  labels: Record<string, string>;
  /** More environment for the shell (e.g. where toxiproxy-cli finds the run's fault proxy). */
  env?: Record<string, string>;
  /** kubectl on the run's namespace, for a cluster run (k8s/shell-access.ts); released when the shell ends. */
  kube?: ShellKube;
  /** Said under the banner: e.g. why a cluster run's shell has no kubectl. */
  note?: string;
}

const BANNER =
  "A shell on this run's network: the services answer by name, e.g. wget -qO- http://<service>:<port>/ " +
  "(busybox, curl, grpcurl, consul, toxiproxy-cli). It closes with the run.";

const dim = (text: string): string => `\x1b[2m${text}\x1b[0m\r\n`;

/** The first lines of a shell: what it can reach, and with what. */
export function shellBanner(opts: Pick<ShellOptions, "kube" | "note">): string {
  return dim(opts.kube?.banner ?? BANNER) + (opts.note ? dim(opts.note) : "");
}

export class RunShell implements ShellHandle {
  private reader?: ShellReader;
  private unacked = 0;
  private paused = false;
  private exitCode?: number;
  private readonly decoder = new StringDecoder("utf8");
  /** What was printed before any tab attached (the banner, the first prompt): a tab that attaches gets it first. */
  private early: string;
  private released?: Promise<void>;

  private constructor(
    private readonly process: SandboxProcess,
    private readonly kube: ShellKube | undefined,
    banner: string,
    private started?: Started,
  ) {
    this.early = banner;
  }

  static async open(opts: ShellOptions): Promise<RunShell> {
    try {
      return await RunShell.create(opts);
    } catch (err) {
      await opts.kube?.close().catch(() => {});
      throw err;
    }
  }

  private static async create(opts: ShellOptions): Promise<RunShell> {
    const process = await opts.backend.create(opts.network, {
      name: `${opts.runId}-shell-${opts.serial}`,
      image: opts.image,
      cmd: opts.kube?.cmd ?? ["/bin/sh", "-i"],
      user: "1000:1000",
      hostname: "shell",
      aliases: ["shell"],
      workingDir: "/tmp",
      env: { ...opts.env, ...opts.kube?.env, HOME: "/tmp", TERM: "xterm-256color", PS1: "shell:\\w$ " },
      labels: { ...opts.labels, [SERVICE_LABEL]: "shell" },
      ports: [],
      tmpfs: { "/tmp": `rw,exec,nosuid,nodev,size=${SHELL_TMPFS_BYTES},uid=1000,gid=1000` },
      memoryBytes: SHELL_MEMORY_BYTES,
      cpus: SHELL_CPUS,
      pids: SHELL_PIDS,
      stdin: true,
      tty: true,
      mounts: opts.kube?.mounts,
    });
    const shell = new RunShell(process, opts.kube, shellBanner(opts));
    try {
      shell.started = await process.start({
        data: (_stream, data) => shell.output(shell.decoder.write(data)),
        end: () => shell.output(shell.decoder.end()),
        fault: () => {},
      });
    } catch (err) {
      await process.remove().catch(() => {});
      throw err;
    }
    void shell.started.exited.then((code) => shell.onExit(code));
    return shell;
  }

  get ended(): boolean {
    return this.exitCode !== undefined;
  }

  private output(text: string): void {
    if (text === "") return;
    if (!this.reader) {
      // Bounded: only what comes before the first tab attaches (a prompt), never a stream nobody reads.
      if (this.early.length < SHELL_WINDOW_BYTES) this.early += text;
      return;
    }
    this.reader.output(text);
    this.unacked += text.length;
    if (!this.paused && this.unacked > SHELL_WINDOW_BYTES) {
      this.paused = true;
      this.started?.pause();
    }
  }

  private onExit(code: number): void {
    this.exitCode = code;
    this.reader?.exit(code);
    void this.release();
  }

  /** Removes the container, then what it was given (kubectl's socket and proxy); once. */
  private release(): Promise<void> {
    this.released ??= (async () => {
      await this.process.remove().catch(() => {});
      await this.kube?.close().catch(() => {});
    })();
    return this.released;
  }

  attach(reader: ShellReader): () => void {
    const previous = this.reader;
    this.reader = reader;
    previous?.moved();
    // A new reader starts with nothing in flight.
    this.ack(this.unacked);
    if (this.early) {
      const early = this.early;
      this.early = "";
      this.output(early);
    }
    if (this.exitCode !== undefined) reader.exit(this.exitCode);
    return () => {
      if (this.reader === reader) this.reader = undefined;
    };
  }

  ack(chars: number): void {
    this.unacked = Math.max(0, this.unacked - chars);
    if (this.paused && this.unacked <= SHELL_WINDOW_BYTES / 2) {
      this.paused = false;
      this.started?.resume();
    }
  }

  write(data: string): void {
    if (this.ended) return;
    this.started?.stdin?.write(data);
  }

  async resize(cols: number, rows: number): Promise<void> {
    if (this.ended) return;
    await this.process.resize(clamp(cols, 2, MAX_SHELL_COLS), clamp(rows, 2, MAX_SHELL_ROWS));
  }

  async close(): Promise<void> {
    await this.release();
  }
}

const clamp = (n: number, min: number, max: number): number => Math.min(max, Math.max(min, Math.round(n)));
