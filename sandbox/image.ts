// Builds the sandbox image offline (no registry): host Go toolchain + static busybox + the lessons' modules,
// tagged by a hash of its inputs so it is rebuilt only when they change.
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cp, mkdir, readFile, realpath, rm, writeFile, copyFile, readdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { baseImages, ensureBaseImages, type BaseImage } from "./base-images";
import { docker, isNotFound } from "./docker";
import { SandboxError } from "./errors";
import { APP_LABEL, APP_NAME } from "./labels";
import { LESSONS_ROOT } from "../lib/server/lessons";

const run = promisify(execFile);

export const IMAGE_REPO = "go-microservices-playground/sandbox";
const IMAGE_SOURCES = path.resolve(import.meta.dirname, "image");
/**
 * Downloads and compiled tools (the Consul agent takes minutes) are kept per machine, not per checkout: a fresh
 * clone of the project (CI's, or a second working copy) reuses them instead of compiling them again.
 */
const CACHE_ROOT = path.resolve(
  process.env.PLAYGROUND_CACHE_DIR ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "go-microservices-playground"),
);
/** Busybox must be the static build (Debian package busybox-static): the image has no libc. */
const BUSYBOX = process.env.PLAYGROUND_BUSYBOX ?? "/bin/busybox";

interface ServiceModule {
  /** e.g. "01-monolith-vs-microservices/services/monolith" */
  rel: string;
  abs: string;
}

interface ToolList {
  /** `binary` renames what `go install` names after the package's last element (cmd/server → toxiproxy-server). */
  go: { package: string; version: string; binary?: string }[];
  host: { binary: string; data?: string[] }[];
  scripts: string[];
  /** Go programs of this repository (e.g. sandbox/collector), built from their own module. */
  local?: { dir: string; binary: string }[];
}

/** The files of a Go module that decide what it builds to. */
const GO_SOURCE = /(^|\/)(go\.mod|go\.sum|[^/]+\.go)$/;

async function hashGoSources(hash: ReturnType<typeof createHash>, dir: string): Promise<void> {
  for (const f of (await readdir(dir, { recursive: true })).map(String).sort()) {
    if (GO_SOURCE.test(f)) hash.update(f).update(await readFile(path.join(dir, f)));
  }
}

interface ImageInputs {
  goroot: string;
  goVersion: string;
  modules: ServiceModule[];
  tools: ToolList;
  tag: string;
}

async function findServiceModules(root: string): Promise<ServiceModule[]> {
  const out: ServiceModule[] = [];
  async function walk(dir: string, rel: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && e.name === "go.mod")) out.push({ rel, abs: dir });
    for (const e of entries) if (e.isDirectory()) await walk(path.join(dir, e.name), rel ? `${rel}/${e.name}` : e.name);
  }
  await walk(root, "");
  return out.sort((a, b) => a.rel.localeCompare(b.rel));
}

async function goEnv(name: string): Promise<string> {
  const { stdout } = await run("go", ["env", name]);
  return stdout.trim();
}

/**
 * A sandbox image to use as it is, whatever the inputs' hash says (a tag that `docker image ls
 * go-microservices-playground/sandbox` lists): for trying edits of a lesson's Go files on an engine shared with
 * others, without building a new image (and so without removing older ones). Only the edited packages miss the warm
 * build cache. Never built: an image the engine lacks is an error.
 */
const PINNED_IMAGE = process.env.PLAYGROUND_SANDBOX_IMAGE?.trim() || undefined;

let inputsMemo: Promise<ImageInputs> | undefined;

/** Hash of everything that changes the image: its recipe, toolchain, busybox and every lesson service's module
 * files and Go sources (the sources decide which packages the warm build cache holds). */
export function imageInputs(): Promise<ImageInputs> {
  inputsMemo ??= (async () => {
    const [goroot, goVersion] = await Promise.all([goEnv("GOROOT"), goEnv("GOVERSION")]);
    const modules = await findServiceModules(LESSONS_ROOT);
    const tools = JSON.parse(await readFile(path.join(IMAGE_SOURCES, "tools.json"), "utf8")) as ToolList;
    const hash = createHash("sha256");
    for (const tool of tools.host) hash.update(tool.binary).update(await readFile(tool.binary));
    for (const script of tools.scripts) hash.update(script).update(await readFile(path.resolve(script)));
    for (const tool of tools.local ?? []) {
      hash.update(tool.binary);
      await hashGoSources(hash, path.resolve(tool.dir));
    }
    for (const name of (await readdir(IMAGE_SOURCES)).sort()) {
      hash.update(name).update(await readFile(path.join(IMAGE_SOURCES, name)));
    }
    hash.update(goVersion).update(await readFile(BUSYBOX));
    for (const m of modules) {
      hash.update(m.rel);
      await hashGoSources(hash, m.abs);
    }
    const tag = PINNED_IMAGE ?? `${IMAGE_REPO}:${hash.digest("hex").slice(0, 16)}`;
    return { goroot, goVersion, modules, tools, tag };
  })();
  inputsMemo.catch(() => (inputsMemo = undefined));
  return inputsMemo;
}

export async function currentImageTag(): Promise<string> {
  return (await imageInputs()).tag;
}

export async function imagePresent(tag: string): Promise<boolean> {
  try {
    await (await docker()).getImage(tag).inspect();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

async function stageContext(inputs: ImageInputs, onProgress: (line: string) => void): Promise<string> {
  // One folder per build: two processes (the server and the CLI) may build at the same moment.
  const ctx = path.join(CACHE_ROOT, `image-context-${process.pid}-${Date.now()}`);
  await rm(ctx, { recursive: true, force: true });
  const rootfs = path.join(ctx, "rootfs");
  await mkdir(path.join(rootfs, "bin"), { recursive: true });
  await mkdir(path.join(rootfs, "etc"), { recursive: true });
  await mkdir(path.join(rootfs, "opt/playground"), { recursive: true });
  await mkdir(path.join(rootfs, "usr/local"), { recursive: true });
  for (const d of ["tmp", "work"]) await mkdir(path.join(rootfs, d), { recursive: true });
  await copyFile(BUSYBOX, path.join(rootfs, "bin/busybox"));
  await writeFile(
    path.join(rootfs, "etc/passwd"),
    "root:x:0:0:root:/root:/bin/sh\nsandbox:x:1000:1000::/work:/bin/sh\n",
  );
  await writeFile(path.join(rootfs, "etc/group"), "root:x:0:\nsandbox:x:1000:\n");
  for (const script of ["run-service.sh", "warm-cache.sh", "run-gopls.sh"]) {
    await copyFile(path.join(IMAGE_SOURCES, script), path.join(rootfs, "opt/playground", script));
  }
  await copyFile(path.join(IMAGE_SOURCES, "Dockerfile"), path.join(ctx, "Dockerfile"));

  await stageTools(inputs, rootfs, onProgress);

  onProgress(`copying the Go toolchain (${inputs.goVersion}) from ${inputs.goroot}`);
  await run("cp", ["-a", inputs.goroot, path.join(rootfs, "usr/local/go")]);

  // Modules are downloaded on the host (the containers have no network) into a cache kept between builds.
  const modCache = path.join(CACHE_ROOT, "gomodcache");
  await mkdir(modCache, { recursive: true });
  const warm = path.join(ctx, "warm");
  for (const m of inputs.modules) {
    onProgress(`downloading Go modules for ${m.rel}`);
    await run("go", ["mod", "download"], {
      cwd: m.abs,
      env: { ...process.env, GOMODCACHE: modCache, GOFLAGS: "-modcacherw", GOTOOLCHAIN: "local" },
    });
    await cp(m.abs, path.join(warm, m.rel), { recursive: true });
  }
  await mkdir(warm, { recursive: true });
  // The extracted modules are all a build needs; the zips would double the image for nothing.
  await run("sh", [
    "-c",
    `mkdir -p "${ctx}/gomodcache" && cd "${modCache}" && tar -c --exclude='*.zip' . | tar -x -C "${ctx}/gomodcache"`,
  ]);
  return ctx;
}

/** Copies a file to the same absolute path under rootfs, following symlinks. */
async function copyIntoRootfs(rootfs: string, file: string): Promise<void> {
  const target = path.join(rootfs, file);
  await mkdir(path.dirname(target), { recursive: true });
  await copyFile(await realpath(file), target);
}

async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await run("ldd", [binary]);
  return [...stdout.matchAll(/(\/\S+\.so[.\d]*)/g)].map((m) => m[1]);
}

/** Builds or copies the image's tools into rootfs/usr/local/bin (go ones cached under CACHE_ROOT/tools by version). */
async function stageTools(inputs: ImageInputs, rootfs: string, onProgress: (line: string) => void): Promise<void> {
  const bin = path.join(rootfs, "usr/local/bin");
  await mkdir(bin, { recursive: true });
  const toolCache = path.join(CACHE_ROOT, "tools");
  for (const tool of inputs.tools.go) {
    const name = path.basename(tool.package);
    const binary = tool.binary ?? name;
    // Keyed by the binary's name too: two packages of one module may both end in a generic element.
    const cached = path.join(toolCache, "go", `${binary}@${tool.version}`);
    if (!existsSync(path.join(cached, name))) {
      onProgress(`building ${tool.package}@${tool.version}`);
      await run("go", ["install", `${tool.package}@${tool.version}`], {
        env: {
          ...process.env,
          GOBIN: cached,
          CGO_ENABLED: "0",
          GOFLAGS: "-modcacherw",
          GOTOOLCHAIN: "local",
          // Not the lessons' module cache, which goes into the image: a tool's modules (grpcurl's are many) are
          // only needed to build it, here.
          GOMODCACHE: path.join(toolCache, "gomodcache"),
        },
      });
    }
    await copyFile(path.join(cached, name), path.join(bin, binary));
  }
  for (const tool of inputs.tools.local ?? []) {
    // Built fresh each image build (the host's build cache makes it quick); static, like every tool here.
    onProgress(`building ${tool.binary} from ${tool.dir}`);
    await run("go", ["build", "-trimpath", "-ldflags=-s -w", "-o", path.join(bin, tool.binary), "."], {
      cwd: path.resolve(tool.dir),
      env: {
        ...process.env,
        CGO_ENABLED: "0",
        GOFLAGS: "-modcacherw",
        GOTOOLCHAIN: "local",
        GOMODCACHE: path.join(CACHE_ROOT, "gomodcache"),
      },
    });
  }
  for (const tool of inputs.tools.host) {
    onProgress(`copying ${tool.binary} with its libraries`);
    await copyIntoRootfs(rootfs, tool.binary);
    for (const lib of await sharedLibraries(tool.binary)) await copyIntoRootfs(rootfs, lib);
    for (const dir of tool.data ?? []) {
      await cp(dir, path.join(rootfs, dir), { recursive: true, dereference: true });
    }
  }
  for (const script of inputs.tools.scripts) {
    const key = createHash("sha256")
      .update(await readFile(path.resolve(script)))
      .digest("hex")
      .slice(0, 16);
    const out = path.join(toolCache, "scripts", `${path.basename(script, ".sh")}-${key}`);
    if (!existsSync(path.join(out, "done"))) {
      onProgress(`building tools with ${script} (cached afterwards)`);
      await rm(out, { recursive: true, force: true });
      await mkdir(path.join(out, "bin"), { recursive: true });
      const { stdout } = await run("bash", [path.resolve(script)], {
        // A module cache of the scripts' own: what they build from (e.g. Consul's large dependency tree) must not
        // join the lessons' module cache, which is copied into the image. -modcacherw keeps both deletable.
        env: { ...process.env, OUT: out, GOMODCACHE: path.join(toolCache, "gomodcache"), GOFLAGS: "-modcacherw" },
        maxBuffer: 64 * 1024 * 1024,
      });
      // The script's own summary (what it fetched, how long the build took); go's download chatter is on stderr.
      for (const line of stdout.split("\n")) if (line.trim()) onProgress(line.trim());
      await writeFile(path.join(out, "done"), new Date().toISOString());
    }
    for (const name of await readdir(path.join(out, "bin"))) {
      await copyFile(path.join(out, "bin", name), path.join(bin, name));
    }
  }
}

interface BuildMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

async function buildFromContext(
  ctx: string,
  tag: string,
  labels: Record<string, string>,
  onProgress: (line: string) => void,
): Promise<void> {
  const d = await docker();
  const tar = spawn("tar", ["-C", ctx, "-c", "."], { stdio: ["ignore", "pipe", "inherit"] });
  const stream = await d.buildImage(tar.stdout, { t: tag, rm: true, forcerm: true, labels });
  await new Promise<void>((resolve, reject) => {
    let failure: string | undefined;
    d.modem.followProgress(
      stream,
      (err: Error | null) => {
        // followProgress reports a failed build as success (dockerode #639): the error lives in the events.
        if (err) reject(err);
        else if (failure) reject(new SandboxError("IMAGE_MISSING", `The sandbox image build failed: ${failure}`));
        else resolve();
      },
      (event: BuildMessage) => {
        if (event.error || event.errorDetail) failure = event.errorDetail?.message ?? event.error;
        const text = (event.stream ?? event.status ?? event.error ?? "").replace(/\n$/, "");
        for (const line of text.split("\n")) if (line.trim()) onProgress(line);
      },
    );
  });
}

async function baseImageInputs(inputs: ImageInputs) {
  return {
    sandboxTag: inputs.tag,
    goVersion: inputs.goVersion,
    busybox: BUSYBOX,
    dockerModules: inputs.modules.filter((m) => existsSync(path.join(m.abs, "Dockerfile"))).map((m) => m.abs),
    cacheRoot: CACHE_ROOT,
  };
}

let baseImagesMemo: Promise<BaseImage[]> | undefined;

/**
 * The registry names a learner's Dockerfile may use here, and what stands behind each: as ensureImage found them,
 * or (before it ran in this process) as it would build them.
 */
export function localBaseImages(): Promise<BaseImage[]> {
  baseImagesMemo ??= imageInputs().then((inputs) => baseImages({ goVersion: inputs.goVersion, busybox: BUSYBOX }));
  baseImagesMemo.catch(() => (baseImagesMemo = undefined));
  return baseImagesMemo;
}

/**
 * Each change of a lesson makes a new sandbox image (about 1.5 GB); the ones it replaces would pile up on disk.
 * Older names of the current image go, and every older image but the newest of them.
 */
export async function removeOlderSandboxImages(current: string, onProgress: (line: string) => void): Promise<void> {
  const d = await docker();
  const images = await d.listImages({ filters: { reference: [IMAGE_REPO], label: [`${APP_LABEL}=${APP_NAME}`] } });
  // The newest other image stays: a second checkout on the same engine (an update tried beside the running
  // playground), or a step back to the previous version, must not find its image gone mid-run.
  const currentId = images.find((image) => (image.RepoTags ?? []).includes(current))?.Id;
  const kept = images.filter((image) => image.Id !== currentId).sort((a, b) => b.Created - a.Created)[0]?.Id;
  for (const image of images) {
    if (image.Id === kept) continue;
    // Only the name goes when another tag (the current one) still points at the same image.
    const tags = (image.RepoTags ?? []).filter((t) => t.startsWith(`${IMAGE_REPO}:`) && t !== current);
    for (const tag of tags) {
      try {
        await d.getImage(tag).remove();
        onProgress(`removed the older sandbox image ${tag}`);
      } catch {
        // Still used by a container (a run of a server not restarted yet): kept until a later build.
      }
    }
  }
}

let building: Promise<string> | undefined;
const progressListeners = new Set<(line: string) => void>();

function emitProgress(line: string): void {
  for (const listener of progressListeners) listener(line);
}

/** Returns the tag of an up-to-date sandbox image, building it (once, shared by concurrent callers) if missing. */
export function ensureImage(onProgress?: (line: string) => void): Promise<string> {
  if (onProgress) progressListeners.add(onProgress);
  building ??= (async () => {
    const onProgress = emitProgress;
    const inputs = await imageInputs();
    if (PINNED_IMAGE && !(await imagePresent(PINNED_IMAGE))) {
      throw new SandboxError(
        "IMAGE_MISSING",
        `PLAYGROUND_SANDBOX_IMAGE names ${PINNED_IMAGE}, which the Docker Engine does not have.`,
        "Unset PLAYGROUND_SANDBOX_IMAGE to build the image, or name one that `docker image ls` lists.",
      );
    }
    if (!(await imagePresent(inputs.tag))) {
      const started = Date.now();
      onProgress(`building the sandbox image ${inputs.tag} (first time only; a few minutes)`);
      const ctx = await stageContext(inputs, onProgress);
      await buildFromContext(ctx, inputs.tag, { [APP_LABEL]: APP_NAME }, onProgress);
      await rm(ctx, { recursive: true, force: true });
      onProgress(`sandbox image ready in ${Math.round((Date.now() - started) / 1000)} s`);
    }
    // What ensureBaseImages settled on (a stand-in, or the engine's own image under that name) is what Runs report.
    const bases = await ensureBaseImages(await baseImageInputs(inputs), buildFromContext, onProgress);
    baseImagesMemo = Promise.resolve(bases);
    // After the base images: the golang stand-in is built FROM the sandbox image, so the old one held the old tag.
    // A pinned image was built by someone else's checkout: the images around it are theirs too.
    if (!PINNED_IMAGE) await removeOlderSandboxImages(inputs.tag, onProgress);
    return inputs.tag;
  })();
  building.catch(() => (building = undefined));
  return building.finally(() => {
    if (onProgress) progressListeners.delete(onProgress);
  });
}
