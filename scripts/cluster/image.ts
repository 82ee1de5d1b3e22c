// One-layer container images from static binaries, written as `docker save` archives that `ctr images import` takes.
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { run } from "./shell";

export interface ImageFile {
  /** Path inside the image, e.g. /pause. */
  target: string;
  source: string;
  mode: number;
}

export interface ImageSpec {
  /** Full reference, e.g. playground.local/pause:3.10 (a registry-style name, so no docker.io/ prefix is added). */
  name: string;
  files: ImageFile[];
  entrypoint: string[];
  user?: string;
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Writes the archive to out. No registry, no Docker: a tar of the files, a config naming it, a manifest. */
export function writeOneLayerImage(spec: ImageSpec, out: string) {
  const work = mkdtempSync(path.join(os.tmpdir(), "pg-image-"));
  try {
    const rootfs = path.join(work, "rootfs");
    for (const f of spec.files) {
      const dest = path.join(rootfs, f.target);
      mkdirSync(path.dirname(dest), { recursive: true });
      copyFileSync(f.source, dest);
      chmodSync(dest, f.mode);
    }
    // Fixed owner and time, so the same binary gives the same layer digest.
    run("tar", [
      "--numeric-owner",
      "--owner=0",
      "--group=0",
      "--sort=name",
      "--mtime=@0",
      "-C",
      rootfs,
      "-cf",
      path.join(work, "layer.tar"),
      ".",
    ]);
    const layer = readFileSync(path.join(work, "layer.tar"));
    const diffId = `sha256:${sha256(layer)}`;
    const config = Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        created: "1970-01-01T00:00:00Z",
        config: { Entrypoint: spec.entrypoint, User: spec.user ?? "", Env: ["PATH=/"] },
        rootfs: { type: "layers", diff_ids: [diffId] },
        history: [{ created: "1970-01-01T00:00:00Z", created_by: "playground cluster build" }],
      }),
    );
    const configName = `${sha256(config)}.json`;
    const archive = path.join(work, "archive");
    mkdirSync(path.join(archive, "layer"), { recursive: true });
    writeFileSync(path.join(archive, configName), config);
    writeFileSync(path.join(archive, "layer", "layer.tar"), layer);
    writeFileSync(
      path.join(archive, "manifest.json"),
      JSON.stringify([{ Config: configName, RepoTags: [spec.name], Layers: ["layer/layer.tar"] }]),
    );
    mkdirSync(path.dirname(out), { recursive: true });
    run("tar", ["--numeric-owner", "--owner=0", "--group=0", "-C", archive, "-cf", `${out}.tmp`, "."]);
    run("mv", [`${out}.tmp`, out]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
