// Validates the files a learner sends for a run, and packs them into the tar that each service container extracts.
import { pack } from "tar-stream";
import { SandboxError } from "./errors";
import { MAX_FILE_BYTES, MAX_FILES } from "./limits";
import type { LessonFiles } from "./types";

const SAFE_SEGMENT = /^[A-Za-z0-9._+@-]+$/;

/** Throws a SandboxError unless `p` is a plain relative path that stays inside the lesson folder. */
export function validateLessonPath(p: unknown): string {
  if (typeof p !== "string" || p.length === 0) throw new SandboxError("BAD_PATH", "A file name is empty.");
  if (p.length > 200) throw new SandboxError("BAD_PATH", `The file name "${p.slice(0, 40)}…" is too long.`);
  if (p.startsWith("/") || /^[A-Za-z]:/.test(p) || p.includes("\\")) {
    throw new SandboxError(
      "BAD_PATH",
      `"${p}" is an absolute path; use a path inside the lesson, e.g. services/api/main.go.`,
    );
  }
  const segments = p.split("/");
  for (const segment of segments) {
    if (segment === "" || segment === "." || segment === "..") {
      throw new SandboxError(
        "BAD_PATH",
        `"${p}" leaves the lesson folder or has an empty part; use a plain relative path.`,
      );
    }
    if (!SAFE_SEGMENT.test(segment)) {
      throw new SandboxError("BAD_PATH", `"${p}" has characters that are not allowed in file names here.`);
    }
  }
  return p;
}

function decodeText(path: string, value: unknown): string {
  if (typeof value === "string") {
    // A JS string from JSON can still carry lone surrogates, which have no UTF-8 encoding.
    if (!value.isWellFormed()) throw new SandboxError("INVALID_UTF8", `${path} is not valid UTF-8 text.`);
    return value;
  }
  if (value instanceof Uint8Array) {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(value);
    } catch {
      throw new SandboxError("INVALID_UTF8", `${path} is not valid UTF-8 text.`);
    }
  }
  throw new SandboxError("BAD_REQUEST", `${path}: file contents must be text.`);
}

/** Checks count, names, sizes and encoding; returns a clean copy. */
export function validateFiles(input: unknown): LessonFiles {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new SandboxError("BAD_REQUEST", "Files must be an object of path → text.");
  }
  const entries = Object.entries(input as Record<string, unknown>);
  if (entries.length > MAX_FILES) {
    throw new SandboxError("TOO_MANY_FILES", `A run takes at most ${MAX_FILES} files; this one has ${entries.length}.`);
  }
  const out: LessonFiles = {};
  for (const [rawPath, value] of entries) {
    const p = validateLessonPath(rawPath);
    const text = decodeText(p, value);
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes > MAX_FILE_BYTES) {
      throw new SandboxError(
        "FILE_TOO_LARGE",
        `${p} is ${Math.ceil(bytes / 1024)} KiB; a file may be at most ${MAX_FILE_BYTES / 1024} KiB.`,
      );
    }
    out[p] = text;
  }
  return out;
}

/** A tar archive of the files (owned by the sandbox user) for `tar -x` inside the container. */
export async function packFiles(files: LessonFiles): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on("data", (c) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    archive.on("end", resolve);
    archive.on("error", reject);
  });
  const dirs = new Set<string>();
  for (const p of Object.keys(files).sort()) {
    const parts = p.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (!dirs.has(dir)) {
        dirs.add(dir);
        archive.entry({ name: `${dir}/`, type: "directory", mode: 0o755, uid: 1000, gid: 1000 });
      }
    }
    archive.entry({ name: p, mode: 0o644, uid: 1000, gid: 1000, mtime: new Date() }, Buffer.from(files[p], "utf8"));
  }
  archive.finalize();
  await done;
  return Buffer.concat(chunks);
}
