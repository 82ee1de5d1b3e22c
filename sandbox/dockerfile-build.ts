// Builds a service's image from the learner's Dockerfile with the engine's classic builder: the Dockerfile checked
// first (local base images only, nothing fetched), no network in RUN steps, the sandbox's memory and CPU limits and a
// disk limit; output streamed line by line, every stage sized, the user it may run as decided, and the intermediate
// images of the build removed afterwards.
import type Docker from "dockerode";
import { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { setTimeout as sleep } from "node:timers/promises";
import { extract } from "tar-stream";
import type { BaseImage } from "./base-images";
import { isNotFound } from "./docker";
import { BuildOutputTracker, checkDockerfile, DockerignoreError, dockerignoreMatcher } from "./dockerfile";
import { packFiles } from "./files";
import { BUILD_DISK_POLL_MS, MAX_ACCOUNT_FILE_BYTES, type Limits } from "./limits";
import type { ImageStageSize as StageSize, LessonFiles } from "./types";

/** The CPU quota period of the build's RUN containers (the engine's default, 100 ms). */
const CPU_PERIOD_US = 100_000;

/** Who a built image runs as when it would run as root, or as someone we cannot tell (distroless's "nonroot" ids). */
export const NON_ROOT_FALLBACK = "65532:65532";

/** What a program says when the fsize limit stops its write (EFBIG, or SIGXFSZ as the shell reports it). */
const FILE_SIZE_LIMIT_HIT = /File too large|File size limit exceeded/i;

/** A build that failed: the message is what the learner sees (the engine's error, or why it was not started). */
export class ImageBuildError extends Error {}

/** The tag of a run's built image: one per run and image, so runs never share (or remove) each other's images. */
export function builtImageTag(lessonSlug: string, image: string, runId: string): string {
  return `playground-build/${lessonSlug}-${image.toLowerCase().replace(/[^a-z0-9]+/g, "-")}:${runId}`;
}

/** Who the image's container runs as: always numeric `uid:gid`, never 0; `notice` says why it is not the image's own. */
export interface RunAs {
  user: string;
  notice?: string;
}

/** Go's strconv.Atoi as runc's user lookup uses it: a number field that does not parse counts as 0. */
function atoi(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

function accounts(file: string | undefined): { name: string; id: number; gid: number }[] {
  return (file ?? "")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const f = l.split(":");
      return { name: f[0], id: atoi(f[2] ?? "") ?? 0, gid: atoi(f[3] ?? "") ?? 0 };
    });
}

/**
 * The rule for every built image: its USER resolved as runc would (a number is a uid; a name is looked up in the
 * image's /etc/passwd, a group in /etc/group; no group means the user's own, or 0), then run as those numbers, or as
 * NON_ROOT_FALLBACK when either is 0 (in any spelling) or cannot be resolved.
 */
export function decideRunAs(user: string, passwd?: string, group?: string): RunAs {
  const fallback = (why: string): RunAs => ({ user: NON_ROOT_FALLBACK, notice: why });
  if (!user.trim()) return fallback("the image would run as root (no USER)");
  const [u, g = ""] = user.split(":");
  const users = accounts(passwd);
  const numeric = atoi(u);
  const entry = numeric === undefined ? users.find((x) => x.name === u) : users.find((x) => x.id === numeric);
  if (u === "") return fallback(`the image would run as root (USER ${user} names no user)`);
  if (numeric === undefined && !entry) return fallback(`the image's USER ${u} is not in its /etc/passwd`);
  const uid = numeric ?? entry!.id;
  if (uid <= 0) return fallback(`the image would run as root (USER ${user} is uid ${uid})`);
  let gid = entry?.gid ?? 0;
  if (g !== "") {
    const named = atoi(g) === undefined ? accounts(group).find((x) => x.name === g) : undefined;
    if (atoi(g) === undefined && !named) return fallback(`the image's group ${g} is not in its /etc/group`);
    gid = atoi(g) ?? named!.id;
  }
  if (gid <= 0)
    return fallback(`the image would run in root's group (USER ${user} has gid ${gid}; write USER ${uid}:${uid})`);
  return { user: `${uid}:${gid}` };
}

export interface BuildRequest {
  files: LessonFiles;
  /** The service folder inside the lesson: the build context. */
  dir: string;
  dockerfile: string;
  tag: string;
  labels: Record<string, string>;
  limits: Limits;
  baseImages: BaseImage[];
  onOutput: (text: string) => void;
  signal: AbortSignal;
}

export interface BuiltImage {
  tag: string;
  id: string;
  bytes: number;
  /** The image's USER ("" when it has none, i.e. root). */
  user: string;
  /** Who its containers run as (see decideRunAs). */
  runAs: RunAs;
  /** The stage the image is (the last one). */
  final: StageSize;
  /** The stages before it, whose results are thrown away. */
  earlier: StageSize[];
}

/** The files of the service folder, paths relative to it, less what its .dockerignore excludes. */
export function buildContext(files: LessonFiles, dir: string, dockerfile: string): LessonFiles {
  const prefix = `${dir}/`;
  const inDir = Object.entries(files)
    .filter(([p]) => p.startsWith(prefix))
    .map(([p, text]) => [p.slice(prefix.length), text] as const);
  let ignore: (path: string) => boolean;
  try {
    ignore = dockerignoreMatcher(inDir.find(([p]) => p === ".dockerignore")?.[1] ?? "");
  } catch (err) {
    if (!(err instanceof DockerignoreError)) throw err;
    throw new ImageBuildError(`${dir}/.dockerignore:${err.line}: ${err.message}`);
  }
  // Like the docker CLI: the Dockerfile and .dockerignore are sent even when .dockerignore names them.
  return Object.fromEntries(inDir.filter(([p]) => p === dockerfile || p === ".dockerignore" || !ignore(p)));
}

interface BuildMessage {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** Reads the engine's JSON lines until the stream ends; the error of a failed build is in the lines, not the status. */
async function follow(stream: NodeJS.ReadableStream, onMessage: (m: BuildMessage) => void): Promise<void> {
  let partial = "";
  // A chunk may end inside a UTF-8 character of the build's output.
  const decoder = new StringDecoder("utf8");
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const lines = (partial + decoder.write(chunk)).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.trim()) continue;
      // Only the parse is guarded: an error of the handler must not deliver the line a second time as text.
      let message: BuildMessage;
      try {
        message = JSON.parse(line) as BuildMessage;
      } catch {
        message = { stream: `${line}\n` };
      }
      onMessage(message);
    }
  }
}

async function imageSize(d: Docker, id: string): Promise<number> {
  return (await d.getImage(id).inspect()).Size;
}

/**
 * Sizes the writable layer of each RUN step's container while it runs (the builder names it: " ---> Running in <id>")
 * and calls `over` once the steps' sum passes `limit`. Returns the function that stops watching.
 */
function watchBuildDisk(d: Docker, tracker: BuildOutputTracker, limit: number, over: (bytes: number) => void) {
  let stopped = false;
  let finished = 0;
  let current: { id: string; bytes: number } | undefined;
  void (async () => {
    while (!stopped) {
      await sleep(BUILD_DISK_POLL_MS);
      const id = tracker.running;
      if (stopped || !id) continue;
      if (current && current.id !== id) finished += current.bytes;
      if (current?.id !== id) current = { id, bytes: 0 };
      try {
        const info = await d.getContainer(id).inspect({ size: true } as Docker.ContainerInspectOptions);
        current.bytes = (info as { SizeRw?: number }).SizeRw ?? 0;
      } catch {
        continue; // the step ended meanwhile
      }
      if (!stopped && finished + current.bytes > limit) {
        stopped = true;
        over(finished + current.bytes);
      }
    }
  })();
  return () => {
    stopped = true;
  };
}

/** A regular file read out of a created (never started) container, or undefined when absent, not one, or too big. */
async function readFileOf(c: Docker.Container, path: string): Promise<string | undefined> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await c.getArchive({ path });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  return new Promise((resolve, reject) => {
    const tar = extract();
    let text: string | undefined;
    tar.on("entry", (header, body, next) => {
      if (text !== undefined || header.type !== "file" || (header.size ?? 0) > MAX_ACCOUNT_FILE_BYTES) {
        // A symlink is not followed here, and a huge file is not worth reading: the user then counts as unknown.
        (stream as Readable).destroy();
        return resolve(undefined);
      }
      const chunks: Buffer[] = [];
      body.on("data", (c) => void chunks.push(c as Buffer));
      body.on("end", () => {
        text = Buffer.concat(chunks).toString("utf8");
        next();
      });
    });
    tar.on("finish", () => resolve(text));
    tar.on("error", reject);
    stream.on("error", reject);
    stream.pipe(tar);
  });
}

/** Decides who the image runs as, reading its /etc/passwd and /etc/group only when its USER needs them. */
async function imageRunAs(d: Docker, tag: string, user: string, labels: Record<string, string>): Promise<RunAs> {
  if (!user.trim()) return decideRunAs(user);
  const c = await d.createContainer({
    Image: tag,
    Entrypoint: ["/nonexistent"],
    Cmd: [],
    Labels: labels,
    NetworkDisabled: true,
    HostConfig: { NetworkMode: "none" },
  });
  try {
    return decideRunAs(user, await readFileOf(c, "/etc/passwd"), await readFileOf(c, "/etc/group"));
  } finally {
    await c.remove({ force: true, v: true }).catch(() => undefined);
  }
}

/** Removes the untagged images a build committed; a tagged one (a base image, the result) is never touched. */
async function removeIntermediates(d: Docker, ids: string[]): Promise<void> {
  for (const id of ids) {
    try {
      const info = await d.getImage(id).inspect();
      if ((info.RepoTags ?? []).length > 0) continue;
      await d.getImage(id).remove({ noprune: false });
    } catch {
      // 409: still the parent of the result (removed with it later); 404: already pruned with a child.
    }
  }
}

export async function buildServiceImage(
  d: Docker,
  req: BuildRequest,
  sandboxCgroupParent: () => Promise<string | undefined>,
): Promise<BuiltImage> {
  const context = buildContext(req.files, req.dir, req.dockerfile);
  const text = context[req.dockerfile];
  if (text === undefined) throw new ImageBuildError(`there is no ${req.dir}/${req.dockerfile}`);
  const { problems, keywords } = checkDockerfile(
    text,
    req.baseImages.map((b) => b.name),
    { context },
  );
  if (problems.length > 0) {
    throw new ImageBuildError(problems.map((p) => `${req.dir}/${req.dockerfile}:${p.line}: ${p.message}`).join("\n"));
  }
  const cgroupParent = await sandboxCgroupParent();
  // The classic builder adds one LABEL step per build label at the end of the last stage.
  const tracker = new BuildOutputTracker([...keywords, ...Object.keys(req.labels).map(() => "LABEL")]);
  let failure: string | undefined;
  let stopWatching = (): void => undefined;
  try {
    const stream = await d.buildImage(Readable.from([await packFiles(context)]), {
      t: req.tag,
      dockerfile: req.dockerfile,
      labels: req.labels,
      // Every build starts from the base images, so no run reuses (or removes) another run's layers.
      nocache: true,
      rm: true,
      forcerm: true,
      // The classic builder, whatever the engine's default: it has no frontends to fetch and no RUN --mount.
      version: "1",
      networkmode: "none",
      memory: req.limits.memoryBytes,
      memswap: req.limits.memoryBytes,
      cpuperiod: CPU_PERIOD_US,
      cpuquota: Math.round(req.limits.cpus * CPU_PERIOD_US),
      // The RUN steps' containers share the sandbox's CPU weight (cpu-weight.ts).
      ...(cgroupParent ? { cgroupparent: cgroupParent } : {}),
      // No file of a RUN step grows past the disk limit at once; the sum of them is watched below. (The build API
      // of Engine 20.10 has no pids limit: the memory limit bounds a fork bomb.)
      ulimits: JSON.stringify([{ Name: "fsize", Soft: req.limits.buildDiskBytes, Hard: req.limits.buildDiskBytes }]),
    } as Docker.ImageBuildOptions);
    // Closing the connection makes the engine cancel the build and remove its RUN container.
    const stop = (reason: string): void => void (stream as Readable).destroy(new ImageBuildError(reason));
    const abort = (): void => stop("the build was stopped");
    if (req.signal.aborted) abort();
    req.signal.addEventListener("abort", abort, { once: true });
    stopWatching = watchBuildDisk(d, tracker, req.limits.buildDiskBytes, (bytes) =>
      stop(
        `the build's RUN steps wrote ${formatBytes(bytes)} to disk, past this sandbox's limit of ${formatBytes(req.limits.buildDiskBytes)}; the build was stopped`,
      ),
    );
    let hitFileSizeLimit = false;
    try {
      await follow(stream, (m) => {
        if (m.error || m.errorDetail) failure = m.errorDetail?.message ?? m.error;
        if (m.stream) {
          tracker.push(m.stream);
          req.onOutput(m.stream);
          // The per-file limit (fsize) may stop a writer before the disk watch sees the total: say which limit it was.
          if (FILE_SIZE_LIMIT_HIT.test(m.stream)) hitFileSizeLimit = true;
          if (tracker.mismatch) stop(tracker.mismatch);
        }
      });
    } finally {
      stopWatching();
      req.signal.removeEventListener("abort", abort);
    }
    if (req.signal.aborted) throw new ImageBuildError("the build was stopped");
    if (failure && hitFileSizeLimit) {
      throw new ImageBuildError(
        `a RUN step wrote a file past this sandbox's disk limit of ${formatBytes(req.limits.buildDiskBytes)}, so it was stopped (${failure.trim()})`,
      );
    }
    if (failure) throw new ImageBuildError(failure.trim());

    const info = await d.getImage(req.tag).inspect();
    const volumes = Object.keys(info.Config.Volumes ?? {});
    if (volumes.length > 0) {
      // Refused in the Dockerfile already; a base image could still declare one.
      throw new ImageBuildError(
        `the image declares VOLUME ${volumes.join(", ")}: the engine would give each container an anonymous writable volume on the host's disk, so it is not run here`,
      );
    }
    const runAs = await imageRunAs(d, req.tag, info.Config.User ?? "", req.labels);
    const sized = await Promise.all(
      tracker.stages.map(async (s) => {
        const last = s.ids[s.ids.length - 1] ?? s.baseId;
        return { name: s.name, base: s.base, bytes: last ? await imageSize(d, last) : 0 };
      }),
    );
    const final = { ...sized[sized.length - 1], bytes: info.Size };
    return {
      tag: req.tag,
      id: info.Id,
      bytes: info.Size,
      user: info.Config.User ?? "",
      runAs,
      final,
      earlier: sized.slice(0, -1),
    };
  } catch (err) {
    if (err instanceof ImageBuildError) throw err;
    if (req.signal.aborted) throw new ImageBuildError("the build was stopped");
    throw new ImageBuildError(`the engine could not build the image: ${(err as Error).message}`);
  } finally {
    stopWatching();
    await removeIntermediates(d, tracker.committedIds());
  }
}

/** Removes a run's built image (and with it its untagged parents); gone already is fine. */
export async function removeBuiltImage(d: Docker, tag: string): Promise<void> {
  try {
    await d.getImage(tag).remove({ force: true, noprune: false });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Sizes as `docker image ls` prints them (decimal units). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : 1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(0)} kB`;
  return `${bytes} B`;
}

/** "image built in 2.9 s: 6.0 MB (final stage from scratch); stage "build" from golang:1.26 was 1.14 GB, …" */
export function imageSizeLine(built: BuiltImage, seconds: number): string {
  const head = `image built in ${seconds.toFixed(1)} s: ${formatBytes(built.bytes)} (final stage from ${built.final.base})`;
  if (built.earlier.length === 0) return `${head}; a single stage, so everything in it ships with the image`;
  const earlier = built.earlier.map((s) => {
    const times = built.bytes > 0 ? `, ${Math.round(s.bytes / built.bytes)}× the final image` : "";
    return `stage ${s.name ? `"${s.name}"` : "(unnamed)"} from ${s.base} was ${formatBytes(s.bytes)}${times}`;
  });
  return `${head}; ${earlier.join("; ")}, and none of it ships`;
}
