// Local stand-ins for the registry base images a learner's Dockerfile names (no registry is reachable here):
// golang:<go version> from the sandbox image, busybox:<version> from the host's static busybox. Built at setup.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { docker, isNotFound } from "./docker";
import { APP_LABEL, APP_NAME } from "./labels";

const run = promisify(execFile);

/** On a stand-in: what it was built from, so a change of the sandbox image or of this recipe rebuilds it. */
export const BASE_KEY_LABEL = "playground.base-key";
const RECIPE_VERSION = "1";

export interface BaseImage {
  /** The name a Dockerfile uses, e.g. "golang:1.26". */
  name: string;
  /** What stands behind that name here, for the learner. */
  description: string;
}

export interface BaseImageInputs {
  sandboxTag: string;
  goVersion: string; // e.g. "go1.26.8"
  busybox: string; // path of a static busybox
  /** Service folders that hold a Dockerfile: compiled once in the golang stand-in, as their Dockerfile would. */
  dockerModules: string[];
  cacheRoot: string;
}

export function golangName(goVersion: string): string {
  const m = /^go(\d+)\.(\d+)/.exec(goVersion);
  return `golang:${m ? `${m[1]}.${m[2]}` : "latest"}`;
}

async function busyboxVersion(binary: string): Promise<string> {
  // busybox prints its banner with --help; some builds exit non-zero doing so.
  const out = await run(binary, ["--help"]).then(
    (r) => r.stdout + r.stderr,
    (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ""}${err.stderr ?? ""}`,
  );
  const m = /BusyBox v(\d+)\.(\d+)(?:\.(\d+))?/.exec(out);
  return m ? `${m[1]}.${m[2]}${m[3] ? `.${m[3]}` : ""}` : "latest";
}

/** The names and meanings of the stand-ins for these inputs (whether built yet or not). */
export async function baseImages(inputs: Pick<BaseImageInputs, "goVersion" | "busybox">): Promise<BaseImage[]> {
  const bb = await busyboxVersion(inputs.busybox);
  return [
    {
      name: golangName(inputs.goVersion),
      description: `the playground's Go toolchain image (${inputs.goVersion}, modules of every lesson, warm build cache, GOPROXY=off, cgo off, runs as root like the real one)`,
    },
    {
      name: `busybox:${bb.split(".").slice(0, 2).join(".")}`,
      description: `a static BusyBox ${bb} with /bin/sh and users root, nobody (65534) and nonroot (65532), about 2 MB`,
    },
  ];
}

const GOLANG_DOCKERFILE = (
  sandboxTag: string,
) => `# Stand-in for the registry's golang image, made from the playground's sandbox image.
FROM ${sandboxTag}
USER root
ENV HOME=/root GOPATH=/go PATH=/go/bin:/usr/local/go/bin:/usr/local/bin:/usr/bin:/bin
COPY warm/ /tmp/warm/
# A Dockerfile's go build usually adds -trimpath, which compiles every package anew: warm the cache for it too.
RUN for mod in $(find /tmp/warm -name go.mod | sort); do \\
      dir=$(dirname "$mod"); echo "warming -trimpath build cache: \${dir#/tmp/warm/}"; \\
      (cd "$dir" && go build -trimpath -ldflags="-s -w" -o /dev/null ./...) || echo "warning: \${dir#/tmp/warm/} did not build"; \\
    done; rm -rf /tmp/warm; mkdir -p /go /root
WORKDIR /go
`;

const BUSYBOX_DOCKERFILE = `# Stand-in for the registry's busybox image: the host's static busybox and three users.
FROM scratch
COPY rootfs/ /
RUN ["/bin/busybox", "--install", "-s", "/bin"]
CMD ["sh"]
`;

/** What the engine holds under a stand-in's name: nothing, the real image (not ours), or our stand-in's key. */
async function present(name: string): Promise<{ id: string; ours: boolean; key?: string } | undefined> {
  try {
    const info = await (await docker()).getImage(name).inspect();
    const labels = info.Config.Labels ?? {};
    return { id: info.Id, ours: labels[APP_LABEL] === APP_NAME, key: labels[BASE_KEY_LABEL] };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

type ContextBuilder = (
  ctx: string,
  tag: string,
  labels: Record<string, string>,
  onProgress: (line: string) => void,
) => Promise<void>;

/** Builds each stand-in whose key changed; tagged under its registry name, labelled as the playground's. */
export async function ensureBaseImages(
  inputs: BaseImageInputs,
  build: ContextBuilder,
  onProgress: (line: string) => void,
): Promise<BaseImage[]> {
  const images = await baseImages(inputs);
  const [golang, busybox] = images;
  const busyboxHash = createHash("sha256")
    .update(await readFile(inputs.busybox))
    .digest("hex");
  const recipes = [
    {
      image: golang,
      key: createHash("sha256")
        .update(RECIPE_VERSION)
        .update(inputs.sandboxTag)
        .update(GOLANG_DOCKERFILE(""))
        .digest("hex")
        .slice(0, 16),
      stage: async (ctx: string) => {
        await writeFile(path.join(ctx, "Dockerfile"), GOLANG_DOCKERFILE(inputs.sandboxTag));
        await mkdir(path.join(ctx, "warm"), { recursive: true });
        for (const [i, dir] of inputs.dockerModules.entries()) {
          await cp(dir, path.join(ctx, "warm", String(i)), { recursive: true });
        }
      },
    },
    {
      image: busybox,
      key: createHash("sha256")
        .update(RECIPE_VERSION)
        .update(busyboxHash)
        .update(BUSYBOX_DOCKERFILE)
        .digest("hex")
        .slice(0, 16),
      stage: async (ctx: string) => {
        await writeFile(path.join(ctx, "Dockerfile"), BUSYBOX_DOCKERFILE);
        const rootfs = path.join(ctx, "rootfs");
        await mkdir(path.join(rootfs, "bin"), { recursive: true });
        await mkdir(path.join(rootfs, "etc"), { recursive: true });
        await mkdir(path.join(rootfs, "tmp"), { recursive: true });
        await copyFile(inputs.busybox, path.join(rootfs, "bin/busybox"));
        await writeFile(
          path.join(rootfs, "etc/passwd"),
          "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\nnonroot:x:65532:65532:nonroot:/home/nonroot:/bin/false\n",
        );
        await writeFile(path.join(rootfs, "etc/group"), "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n");
      },
    },
  ];
  for (const recipe of recipes) {
    const existing = await present(recipe.image.name);
    if (existing && !existing.ours) {
      // An engine that can pull may hold the real image under this name: never retag over it.
      onProgress(`using the engine's own ${recipe.image.name} image (not replaced by the playground's stand-in)`);
      recipe.image.description = `this engine's own ${recipe.image.name} image`;
      continue;
    }
    if (existing?.key === recipe.key) continue;
    onProgress(`building the local base image ${recipe.image.name}: ${recipe.image.description}`);
    const ctx = path.join(inputs.cacheRoot, `base-context-${process.pid}-${Date.now()}`);
    await mkdir(ctx, { recursive: true });
    try {
      await recipe.stage(ctx);
      await build(ctx, recipe.image.name, { [APP_LABEL]: APP_NAME, [BASE_KEY_LABEL]: recipe.key }, onProgress);
      // The stand-in it replaces lost its name; without this every rebuild would leave a GB-sized image behind.
      if (existing)
        await (
          await docker()
        )
          .getImage(existing.id)
          .remove()
          .catch(() => {});
    } finally {
      if (existsSync(ctx)) await rm(ctx, { recursive: true, force: true });
    }
  }
  return images;
}
