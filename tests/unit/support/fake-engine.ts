// A stand-in for the Docker Engine's API as dockerode exposes it, for the calls DockerBackend makes: it answers as
// the engine does (an attach stream of multiplexed frames, a wait that resolves at exit, inspect's ports and
// OOMKilled), so a run's orchestration and a service's life are unit-tested against recorded engine answers.
import type Docker from "dockerode";
import { Duplex } from "node:stream";
import { DockerBackend } from "@/sandbox/docker-backend";

/** One Docker frame: [type, 0, 0, 0, size (uint32 BE)] then the bytes. */
export function frame(type: 1 | 2, body: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** Output as the engine sends it: frames of at most 32 KiB (its copy buffer), the socket cut in 64 KiB reads. */
export function recorded(stdout: Buffer, chunkBytes = 64 * 1024, type: 1 | 2 = 1): Buffer[] {
  const frames: Buffer[] = [];
  for (let i = 0; i < stdout.length; i += 32 * 1024) frames.push(frame(type, stdout.subarray(i, i + 32 * 1024)));
  const all = Buffer.concat(frames);
  const chunks: Buffer[] = [];
  for (let i = 0; i < all.length; i += chunkBytes) chunks.push(all.subarray(i, i + chunkBytes));
  return chunks;
}

export class FakeContainer {
  /** The attach stream: what the test feeds comes out as the container's output; stdin is kept. */
  readonly attached = new Duplex({
    read() {},
    write: (chunk: Buffer, _enc, done) => {
      this.stdin.push(chunk);
      done();
    },
    final: (done) => {
      this.stdinEnded = true;
      done();
    },
  });
  readonly stdin: Buffer[] = [];
  stdinEnded = false;
  oomKilled = false;
  removed = false;
  stopped: number[] = [];
  private exit?: (code: number) => void;

  constructor(
    readonly name: string,
    readonly options: Docker.ContainerCreateOptions,
    private readonly hostPort?: number,
  ) {}

  /** Feeds one chunk of the attach stream, synchronously, as a socket read is. */
  feed(chunk: Buffer): void {
    this.attached.emit("data", chunk);
  }

  /** The process exits with `code`: the stream ends and wait() resolves. */
  exitWith(code: number, opts: { oomKilled?: boolean } = {}): void {
    this.oomKilled = opts.oomKilled ?? false;
    this.attached.emit("end");
    this.exit?.(code);
  }

  // What dockerode's Container offers, as far as DockerBackend uses it.
  attach = async (): Promise<Duplex> => this.attached;
  wait = (): Promise<{ StatusCode: number }> =>
    new Promise((resolve) => (this.exit = (code) => resolve({ StatusCode: code })));
  start = async (): Promise<void> => {};
  inspect = async () => ({
    State: { OOMKilled: this.oomKilled },
    NetworkSettings: {
      Ports: Object.fromEntries(
        Object.keys(this.options.ExposedPorts ?? {}).map((p) => [
          p,
          this.hostPort ? [{ HostIp: "127.0.0.1", HostPort: String(this.hostPort) }] : null,
        ]),
      ),
    },
  });
  stop = async ({ t }: { t: number }): Promise<void> => {
    this.stopped.push(t);
  };
  kill = async (): Promise<void> => {};
  resize = async (): Promise<void> => {};
  remove = async (): Promise<void> => {
    this.removed = true;
  };
}

export class FakeEngine {
  readonly containers = new Map<string, FakeContainer>();
  readonly networks = new Map<string, { removed: boolean }>();
  readonly firewall: string[] = [];

  createContainer = async (options: Docker.ContainerCreateOptions): Promise<FakeContainer> => {
    const container = new FakeContainer(options.name!, options);
    this.containers.set(options.name!, container);
    return container;
  };
  createNetwork = async (options: Docker.NetworkCreateOptions): Promise<{ id: string }> => {
    this.networks.set(options.Name, { removed: false });
    return { id: options.Name };
  };
  getNetwork = (id: string) => ({
    remove: async () => {
      this.networks.get(id)!.removed = true;
    },
  });

  container(name: string): FakeContainer {
    const found = this.containers.get(name);
    if (!found) throw new Error(`no container ${name} (have ${[...this.containers.keys()].join(", ")})`);
    return found;
  }

  /** A DockerBackend on this engine: its firewall rules recorded, no cgroup parent, no base images. */
  backend(): DockerBackend {
    return new DockerBackend(this as unknown as Docker, {
      firewall: async (tool, args) => {
        this.firewall.push(`${tool} ${args.join(" ")}`);
        return "";
      },
      cgroupParent: async () => undefined,
      baseImages: async () => [],
    });
  }
}
