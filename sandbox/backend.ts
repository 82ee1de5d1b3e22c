// The seam between a run and wherever its services run. A run's orchestration (stages, dependencies, health waits,
// history, events) is written once, above this seam (run.ts, service-life.ts); a backend only makes and unmakes
// isolated things: a network per run, a sandboxed process per service (or pod), a learner's image. DockerBackend
// (docker-backend.ts) is the one on the local engine; a cluster backend implements the same interface.
import type { Writable } from "node:stream";
import type { BuildRequest, BuiltImage } from "./dockerfile-build";
import type { BaseImage } from "./base-images";
import type { StreamKind } from "./streams";

/** A run's private network: its services reach each other by name on it, and nothing else. */
export interface RunNetwork {
  readonly id: string;
  readonly name: string;
}

/** A host path shown inside a process (read-only unless said otherwise): what the server hands a shell (kubectl). */
export interface ProcessMount {
  source: string;
  target: string;
  readOnly: boolean;
}

/** One sandboxed process of a run: a service's container, or a pod's. Limits and hardening are the backend's. */
export interface ProcessSpec {
  /** Unique among the run's processes (its container name is derived from it). */
  name: string;
  image: string;
  cmd?: string[];
  /** Always explicit uid:gid (never an image's root). */
  user: string;
  hostname: string;
  /** The names the run's other processes reach it by. */
  aliases: string[];
  /**
   * Names this process alone resolves to the given addresses before asking the run's DNS (its /etc/hosts): a
   * caller whose calls to a service go through the run's fault proxy (faults.ts) while everyone else's go direct.
   */
  hosts?: Record<string, string>;
  workingDir?: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  /** Container ports it listens on; each is published on a port of 127.0.0.1 that the backend picks. */
  ports: number[];
  tmpfs: Record<string, string>;
  memoryBytes: number;
  cpus: number;
  pids: number;
  /** Whether it reads stdin (the runner takes the lesson's files there). */
  stdin: boolean;
  /** A terminal (a shell): its output is one stream, raw, and it can be resized. */
  tty?: boolean;
  /** Host paths bound into it; only the server's own (never a learner's path). */
  mounts?: ProcessMount[];
}

/** Where a started process's output goes, already split into its two streams. */
export interface OutputSink {
  data(stream: StreamKind, data: Buffer): void;
  /** The output ended (the process exited, or was removed). */
  end(): void;
  /** Reading the output failed (a chunk the sink could not take); said once, never thrown. Must not throw. */
  fault(err: unknown): void;
}

/** A process that was started: its published ports, its stdin, and how it ended. */
export interface Started {
  /** Container port → port on 127.0.0.1. */
  readonly hostPorts: ReadonlyMap<number, number>;
  /** Its address on the run's network (what another process's `hosts` can name). */
  readonly address?: string;
  /** Its stdin when it reads one (ProcessSpec.stdin). */
  readonly stdin?: Writable;
  /** Its exit code when it ends (-1 when the backend lost track of it). */
  readonly exited: Promise<number>;
  /** Holds its output back (the reader is behind); the process blocks once the pipe between is full. */
  pause(): void;
  resume(): void;
}

/** One process of a run, made but perhaps not started. */
export interface SandboxProcess {
  readonly name: string;
  /** Connects its output to `sink`, then starts it; again after it exited (a pod's restart) starts it anew. */
  start(sink: OutputSink): Promise<Started>;
  /** SIGTERM, then SIGKILL after `graceSeconds`; resolves once it has exited. Never throws. */
  stop(graceSeconds: number): Promise<void>;
  /** SIGKILL at once. Never throws. */
  kill(): Promise<void>;
  /** Removes it (killing it first if it runs); a second call, or one after the backend removed it, is a no-op. */
  remove(): Promise<void>;
  /** Whether its last exit was the kernel's out-of-memory kill. */
  outOfMemory(): Promise<boolean>;
  /** Replaces one file inside it as `user`, atomically (a file the running program re-reads). */
  writeFile(path: string, text: string, user: string): Promise<void>;
  /** The size of its terminal (ProcessSpec.tty). */
  resize(cols: number, rows: number): Promise<void>;
  /** The first `maxBytes` of one file inside it, read as `user` (a module's source shown read-only). */
  readFile(path: string, user: string, maxBytes: number): Promise<{ text: string; truncated: boolean }>;
}

export interface Backend {
  /** A network for one run, isolated from the host and the outside before anything can join it. */
  createNetwork(runId: string, labels: Record<string, string>): Promise<RunNetwork>;
  /** Removes a run's network and what isolates it; idempotent. */
  removeNetwork(network: RunNetwork): Promise<void>;
  /**
   * Makes a process on the run's network (not started: a run that stops meanwhile only has to remove it). Without a
   * network (null) it has none at all, not even loopback to another container: a tool such as gopls that only reads
   * its files.
   */
  create(network: RunNetwork | null, spec: ProcessSpec): Promise<SandboxProcess>;
  /** The images a learner's Dockerfile may start from (nothing is pulled). */
  baseImages(): Promise<BaseImage[]>;
  /** Builds a learner's image from their Dockerfile, within the request's limits and deadline. */
  buildImage(request: BuildRequest): Promise<BuiltImage>;
  /** Removes an image a run built; idempotent. */
  removeImage(tag: string): Promise<void>;
  /**
   * A learner's image as an archive (`docker save`) that names it `ref`: how an image reaches a cluster's own
   * runtime without a registry.
   */
  exportImage(tag: string, ref: string): Promise<NodeJS.ReadableStream>;
  /** Removes, by label, everything of runs no live process owns (a crashed server's leftovers). */
  reapOrphans(liveRunIds: Set<string>): Promise<{ containers: number; networks: number; images: number }>;
}
