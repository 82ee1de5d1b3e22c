// The backend on the local Docker Engine: a bridge network per run behind host firewall rules, a hardened container
// per process (container-config.ts), learners' images built by the engine's classic builder. The dockerode client is
// injected, so what runs above the seam is unit-tested against recorded engine answers.
import type Docker from "dockerode";
import type { Duplex } from "node:stream";
import type { Backend, OutputSink, ProcessSpec, RunNetwork, SandboxProcess, Started } from "./backend";
import { sandboxHostConfig } from "./container-config";
import { sandboxCgroupParent } from "./cpu-weight";
import { isNotFound } from "./docker";
import { buildServiceImage, removeBuiltImage, type BuildRequest, type BuiltImage } from "./dockerfile-build";
import { localBaseImages } from "./image";
import type { BaseImage } from "./base-images";
import { writeIntoContainer } from "./live-files";
import { readFromContainer } from "./container-read";
import {
  addIsolation,
  bridgeName,
  createRunNetwork,
  execFirewall,
  removeIsolation,
  removeNetwork,
  type FirewallExec,
} from "./network";
import { reapDockerOrphans, type Reaped } from "./reaper";
import { FrameDemuxer } from "./streams";

interface DockerRunNetwork extends RunNetwork {
  readonly bridge: string;
}

export interface DockerBackendOptions {
  /** The host firewall (tests record the rules instead). */
  firewall?: FirewallExec;
  /** The cgroup parent of every container (cpu-weight.ts); tests pass undefined. */
  cgroupParent?: () => Promise<string | undefined>;
  baseImages?: () => Promise<BaseImage[]>;
}

export class DockerBackend implements Backend {
  private readonly firewall: FirewallExec;
  private readonly cgroupParent: () => Promise<string | undefined>;
  private readonly localBaseImages: () => Promise<BaseImage[]>;

  constructor(
    readonly docker: Docker,
    opts: DockerBackendOptions = {},
  ) {
    this.firewall = opts.firewall ?? execFirewall;
    this.cgroupParent = opts.cgroupParent ?? (() => sandboxCgroupParent(docker));
    this.localBaseImages = opts.baseImages ?? localBaseImages;
  }

  async createNetwork(runId: string, labels: Record<string, string>): Promise<RunNetwork> {
    // The rules come first, for the bridge's name before it exists: the network is never up without them, and a
    // run whose isolation cannot be proven fails here, before any network or container of it exists.
    const bridge = bridgeName(runId);
    await addIsolation(bridge, this.firewall);
    try {
      const network: DockerRunNetwork = await createRunNetwork(this.docker, runId, labels);
      return network;
    } catch (err) {
      await removeIsolation(bridge, this.firewall);
      throw err;
    }
  }

  async removeNetwork(network: RunNetwork): Promise<void> {
    await removeIsolation((network as DockerRunNetwork).bridge, this.firewall);
    await removeNetwork(this.docker, network.id);
  }

  async create(network: RunNetwork | null, spec: ProcessSpec): Promise<SandboxProcess> {
    // No network: no interface but loopback, and so nothing to publish either.
    const ports = network ? spec.ports.map((p) => `${p}/tcp`) : [];
    const container = await this.docker.createContainer({
      name: `playground-${spec.name}`,
      Image: spec.image,
      Cmd: spec.cmd,
      User: spec.user,
      Hostname: spec.hostname,
      WorkingDir: spec.workingDir,
      Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      Labels: spec.labels,
      OpenStdin: spec.stdin,
      StdinOnce: spec.stdin,
      AttachStdin: spec.stdin,
      AttachStdout: true,
      AttachStderr: true,
      Tty: spec.tty ?? false,
      ExposedPorts: Object.fromEntries(ports.map((p) => [p, {}])),
      HostConfig: sandboxHostConfig({
        network: network?.name ?? "none",
        ports,
        tmpfs: spec.tmpfs,
        memoryBytes: spec.memoryBytes,
        cpus: spec.cpus,
        pids: spec.pids,
        cgroupParent: await this.cgroupParent(),
        hosts: spec.hosts,
        mounts: spec.mounts,
      }),
      ...(network ? { NetworkingConfig: { EndpointsConfig: { [network.name]: { Aliases: spec.aliases } } } } : {}),
    });
    return new DockerProcess(spec, container, network?.name ?? "none");
  }

  baseImages(): Promise<BaseImage[]> {
    return this.localBaseImages();
  }

  buildImage(request: BuildRequest): Promise<BuiltImage> {
    return buildServiceImage(this.docker, request, this.cgroupParent);
  }

  removeImage(tag: string): Promise<void> {
    return removeBuiltImage(this.docker, tag);
  }

  async exportImage(tag: string, ref: string): Promise<NodeJS.ReadableStream> {
    const colon = ref.lastIndexOf(":");
    await this.docker.getImage(tag).tag({ repo: ref.slice(0, colon), tag: ref.slice(colon + 1) });
    const archive = await this.docker.getImage(ref).get();
    // The second name only served to name the archive's image; the run's own tag keeps the image.
    archive.on(
      "end",
      () =>
        void this.docker
          .getImage(ref)
          .remove({ noprune: true })
          .catch(() => {}),
    );
    return archive;
  }

  reapOrphans(liveRunIds: Set<string>): Promise<Reaped> {
    return reapDockerOrphans(this.docker, liveRunIds, this.firewall);
  }
}

/** One container: the create → attach → wait → start → inspect sequence every process of every run goes through. */
class DockerProcess implements SandboxProcess {
  private removal?: Promise<void>;

  constructor(
    private readonly spec: ProcessSpec,
    readonly container: Docker.Container,
    private readonly network: string,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  async start(sink: OutputSink): Promise<Started> {
    const stream = (await this.container.attach({
      stream: true,
      hijack: true,
      stdin: this.spec.stdin,
      stdout: true,
      stderr: true,
    })) as Duplex;
    if (this.spec.tty) readRaw(stream, sink);
    else readFrames(stream, sink);
    // Before start: after a quick exit the container may be gone and wait would 404 (dockerode #582).
    const exited = (this.container.wait({ condition: "next-exit" }) as Promise<{ StatusCode: number }>).then(
      (r) => r.StatusCode,
      () => -1,
    );
    await this.container.start();
    const info = await this.container.inspect();
    const hostPorts = new Map<number, number>();
    for (const port of this.spec.ports) {
      const binding = info.NetworkSettings.Ports?.[`${port}/tcp`]?.[0];
      if (binding) hostPorts.set(port, Number(binding.HostPort));
    }
    return {
      hostPorts,
      address: info.NetworkSettings.Networks?.[this.network]?.IPAddress || undefined,
      stdin: this.spec.stdin ? stream : undefined,
      exited,
      pause: () => stream.pause(),
      resume: () => stream.resume(),
    };
  }

  async stop(graceSeconds: number): Promise<void> {
    await this.container.stop({ t: graceSeconds }).catch(() => {});
  }

  async kill(): Promise<void> {
    await this.container.kill().catch(() => {});
  }

  remove(): Promise<void> {
    this.removal ??= this.container.remove({ force: true, v: true }).catch((err: { statusCode?: number }) => {
      // 404: already gone; 409: a removal is already under way (the reaper, or the engine itself).
      if (!isNotFound(err) && err.statusCode !== 409) throw err;
    });
    return this.removal;
  }

  async outOfMemory(): Promise<boolean> {
    try {
      return (await this.container.inspect()).State.OOMKilled === true;
    } catch {
      return false; // removed meanwhile: the exit code is all there is
    }
  }

  writeFile(path: string, text: string, user: string): Promise<void> {
    return writeIntoContainer(this.container, user, path, text);
  }

  async resize(cols: number, rows: number): Promise<void> {
    await this.container.resize({ w: cols, h: rows });
  }

  readFile(path: string, user: string, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
    return readFromContainer(this.container, user, path, maxBytes);
  }
}

/** A terminal's attach stream is not multiplexed: everything is its output, as the terminal shows it. */
function readRaw(stream: Duplex, sink: OutputSink): void {
  stream.on("data", (chunk: Buffer) => {
    try {
      sink.data("stdout", chunk);
    } catch (err) {
      sink.fault(err);
    }
  });
  stream.on("end", () => sink.end());
  stream.on("error", () => {
    // Ends abruptly when the container is removed.
  });
}

/**
 * Splits the engine's multiplexed attach stream into the sink's two streams. Everything in it is the program's to
 * choose, so nothing here may throw out of a stream handler: a fault goes to the sink (said once on the service's
 * terminal) and the rest of the output still flows.
 */
function readFrames(stream: Duplex, sink: OutputSink): void {
  const demuxer = new FrameDemuxer();
  stream.on("data", (chunk: Buffer) => {
    try {
      for (const frame of demuxer.push(chunk)) sink.data(frame.stream, frame.data);
    } catch (err) {
      sink.fault(err);
    }
  });
  stream.on("end", () => {
    try {
      sink.end();
    } catch (err) {
      sink.fault(err);
    }
  });
  stream.on("error", () => {
    // The hijacked connection ends abruptly when the container is removed; the exit handler reports why.
  });
}
