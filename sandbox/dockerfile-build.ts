// Builds a service's image from the learner's Dockerfile with the engine's classic builder: local base images only
// (checked first, so nothing is pulled), no network in RUN steps, the sandbox's memory and CPU limits; output
// streamed line by line, every stage sized, and the intermediate images of the build removed afterwards.
import type Docker from "dockerode";
import { Readable } from "node:stream";
import type { BaseImage } from "./base-images";
import { docker, isNotFound } from "./docker";
import { BuildOutputTracker, checkDockerfile, dockerignoreMatcher } from "./dockerfile";
import { packFiles } from "./files";
import type { Limits } from "./limits";
import type { ImageStageSize as StageSize, LessonFiles } from "./types";

/** The CPU quota period of the build's RUN containers (the engine's default, 100 ms). */
const CPU_PERIOD_US = 100_000;

/** A build that failed: the message is what the learner sees (the engine's error, or why it was not started). */
export class ImageBuildError extends Error {}

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
  const ignore = dockerignoreMatcher(inDir.find(([p]) => p === ".dockerignore")?.[1] ?? "");
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
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const lines = (partial + chunk.toString("utf8")).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        onMessage(JSON.parse(line) as BuildMessage);
      } catch {
        onMessage({ stream: `${line}\n` });
      }
    }
  }
}

async function imageSize(d: Docker, id: string): Promise<number> {
  return (await d.getImage(id).inspect()).Size;
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

export async function buildServiceImage(req: BuildRequest): Promise<BuiltImage> {
  const context = buildContext(req.files, req.dir, req.dockerfile);
  const text = context[req.dockerfile];
  if (text === undefined) throw new ImageBuildError(`there is no ${req.dir}/${req.dockerfile}`);
  const { problems } = checkDockerfile(
    text,
    req.baseImages.map((b) => b.name),
  );
  if (problems.length > 0) {
    throw new ImageBuildError(problems.map((p) => `${req.dir}/${req.dockerfile}:${p.line}: ${p.message}`).join("\n"));
  }
  const d = await docker();
  const tracker = new BuildOutputTracker();
  let failure: string | undefined;
  try {
    const stream = await d.buildImage(Readable.from([await packFiles(context)]), {
      t: req.tag,
      dockerfile: req.dockerfile,
      labels: req.labels,
      // Every build starts from the base images, so no run reuses (or removes) another run's layers.
      nocache: true,
      rm: true,
      forcerm: true,
      networkmode: "none",
      memory: req.limits.memoryBytes,
      memswap: req.limits.memoryBytes,
      cpuperiod: CPU_PERIOD_US,
      cpuquota: Math.round(req.limits.cpus * CPU_PERIOD_US),
    });
    const abort = (): void => {
      // Closing the connection makes the engine cancel the build and remove its RUN container.
      (stream as Readable).destroy(new ImageBuildError("the build was stopped"));
    };
    if (req.signal.aborted) abort();
    req.signal.addEventListener("abort", abort, { once: true });
    try {
      await follow(stream, (m) => {
        if (m.error || m.errorDetail) failure = m.errorDetail?.message ?? m.error;
        if (m.stream) {
          tracker.push(m.stream);
          req.onOutput(m.stream);
        }
      });
    } finally {
      req.signal.removeEventListener("abort", abort);
    }
    if (req.signal.aborted) throw new ImageBuildError("the build was stopped");
    if (failure) throw new ImageBuildError(failure.trim());

    const info = await d.getImage(req.tag).inspect();
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
      final,
      earlier: sized.slice(0, -1),
    };
  } catch (err) {
    if (err instanceof ImageBuildError) throw err;
    if (req.signal.aborted) throw new ImageBuildError("the build was stopped");
    throw new ImageBuildError(`the engine could not build the image: ${(err as Error).message}`);
  } finally {
    await removeIntermediates(d, tracker.committedIds());
  }
}

/** Removes a run's built image (and with it its untagged parents); gone already is fine. */
export async function removeBuiltImage(tag: string): Promise<void> {
  try {
    await (await docker()).getImage(tag).remove({ force: true, noprune: false });
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
