// Pure Dockerfile logic for a learner's image build: which base images it names (checked before the engine sees it,
// so nothing is ever pulled), which context files .dockerignore keeps, and what the build output says about stages.

import type { Diagnostic } from "./types";

export interface DockerfileProblem {
  line: number;
  message: string;
}

export interface DockerfileStage {
  /** The name after AS, if any. */
  name?: string;
  /** The FROM image as written, or the earlier stage it builds on. */
  base: string;
  line: number;
}

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Logical instructions: comments dropped, `\` continuations joined, each with the line it starts on. */
export function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending: Instruction | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith("#") || (trimmed === "" && !pending)) return;
    const continued = trimmed.endsWith("\\");
    const body = continued ? trimmed.slice(0, -1).trimEnd() : trimmed;
    if (pending) pending.args = `${pending.args} ${body}`.trim();
    else {
      const m = /^(\S+)\s*(.*)$/.exec(body);
      if (!m) return;
      pending = { keyword: m[1].toUpperCase(), args: m[2], line: i + 1 };
    }
    if (!continued) {
      out.push(pending);
      pending = undefined;
    }
  });
  if (pending) out.push(pending);
  return out;
}

/** `docker.io/library/golang:1.26` and `golang:1.26` are the same image; an untagged name means `:latest`. */
export function normalizeImage(ref: string): string {
  let name = ref.toLowerCase().replace(/^(docker\.io|index\.docker\.io)\//, "");
  name = name.replace(/^library\//, "");
  if (name.includes("@")) return name;
  const lastSegment = name.split("/").pop() ?? name;
  return lastSegment.includes(":") ? name : `${name}:latest`;
}

function splitFlags(args: string): { flags: Map<string, string>; rest: string[] } {
  const flags = new Map<string, string>();
  const rest: string[] = [];
  for (const word of args.split(/\s+/).filter(Boolean)) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(word);
    if (m && rest.length === 0) flags.set(m[1], m[2] ?? "");
    else rest.push(word);
  }
  return { flags, rest };
}

/**
 * Stages of the Dockerfile and every reason not to hand it to the engine: a base image that only a registry could
 * give, a variable in FROM (it could name such an image), or ADD from a URL (the engine fetches those itself, on
 * the host's network, whatever the build's network mode).
 */
export function checkDockerfile(
  text: string,
  available: readonly string[],
): { stages: DockerfileStage[]; problems: DockerfileProblem[] } {
  const stages: DockerfileStage[] = [];
  const problems: DockerfileProblem[] = [];
  const known = new Set(available.map(normalizeImage));
  const list = [...available, "scratch"].join(", ");
  const isStage = (ref: string): boolean =>
    stages.some((s) => s.name === ref.toLowerCase()) || (/^\d+$/.test(ref) && Number(ref) < stages.length);
  const checkImage = (ref: string, line: number, what: string): void => {
    if (ref.includes("$")) {
      problems.push({ line, message: `${what} "${ref}" uses a variable; name the image itself (one of ${list})` });
    } else if (ref.toLowerCase() !== "scratch" && !isStage(ref) && !known.has(normalizeImage(ref))) {
      problems.push({
        line,
        message: `${what} "${ref}" is not available here: no image registry is reachable, so only the playground's local base images can be used: ${list}`,
      });
    }
  };

  for (const ins of instructions(text)) {
    if (ins.keyword === "FROM") {
      const { rest } = splitFlags(ins.args);
      const [image, as, name] = rest;
      if (!image) {
        problems.push({ line: ins.line, message: "FROM needs an image" });
        continue;
      }
      checkImage(image, ins.line, "base image");
      stages.push({ base: image, name: as?.toUpperCase() === "AS" ? name?.toLowerCase() : undefined, line: ins.line });
    } else if (ins.keyword === "COPY" || ins.keyword === "ADD") {
      const { flags, rest } = splitFlags(ins.args);
      const from = flags.get("from");
      if (from) checkImage(from, ins.line, "COPY --from image");
      if (ins.keyword === "ADD" && rest.slice(0, -1).some((src) => /^[a-z][a-z0-9+.-]*:\/\/|^git@/i.test(src))) {
        problems.push({
          line: ins.line,
          message: "ADD from a URL is not allowed here: the engine would download it on the host's network",
        });
      }
    }
  }
  if (stages.length === 0) problems.push({ line: 1, message: "the Dockerfile has no FROM instruction" });
  return { stages, problems };
}

function patternToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*" && pattern[i + 1] === "*") {
      // `**/` matches any number of folders, including none.
      re += pattern[i + 2] === "/" ? "(?:.*/)?" : ".*";
      i += pattern[i + 2] === "/" ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/**
 * A .dockerignore as Docker reads it: one pattern a line, `#` comments, `!` re-includes, the last matching line
 * wins, and a pattern that matches a folder excludes everything in it.
 */
export function dockerignoreMatcher(text: string): (path: string) => boolean {
  const rules = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const negate = l.startsWith("!");
      const pattern = (negate ? l.slice(1) : l).trim().replace(/^\/+/, "").replace(/\/+$/, "").replace(/^\.\//, "");
      return { negate, re: patternToRegExp(pattern) };
    });
  return (path) => {
    const parts = path.split("/");
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const rule of rules) if (prefixes.some((p) => rule.re.test(p))) excluded = !rule.negate;
    return excluded;
  };
}

export interface BuiltStage {
  name?: string;
  base: string;
  /** The image the stage starts from, when it is one (not scratch). */
  baseId?: string;
  /** Images committed by the stage's steps, in order; the last one is the stage's result. */
  ids: string[];
}

/**
 * Follows the classic builder's output ("Step 3/9 : FROM golang:1.26 AS build", " ---> 5b0d61a963d6"), so the
 * engine can size each stage's result and remove the intermediate images a multi-stage build leaves behind.
 */
export class BuildOutputTracker {
  readonly stages: BuiltStage[] = [];
  private expectBase = false;
  private partial = "";

  push(text: string): void {
    const lines = (this.partial + text).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    const step = /^Step \d+\/\d+ : (\S+)\s*(.*)$/.exec(line.trim());
    if (step) {
      if (step[1].toUpperCase() === "FROM") {
        const { rest } = splitFlags(step[2]);
        const named = rest[1]?.toUpperCase() === "AS" ? rest[2]?.toLowerCase() : undefined;
        this.stages.push({ base: rest[0] ?? "", name: named, ids: [] });
        this.expectBase = true;
      }
      return;
    }
    const id = /^ ---> ([0-9a-f]{12,64})\s*$/.exec(line);
    const stage = this.stages[this.stages.length - 1];
    if (!stage) return;
    if (/^ ---> /.test(line) && this.expectBase) {
      // The line right after FROM names the base image (empty for scratch).
      if (id) stage.baseId = id[1];
      this.expectBase = false;
    } else if (id) stage.ids.push(id[1]);
  }

  /** Images committed during the build, newest first (removing a child first lets its untagged parents go). */
  committedIds(): string[] {
    return this.stages.flatMap((s) => s.ids).reverse();
  }
}

/**
 * Editor markers on the Dockerfile from a build error: our own checks ("<file>:<line>: …") and the engine's parse
 * errors ("dockerfile parse error line 7: unknown instruction: FORM").
 */
export function dockerfileDiagnostics(message: string, service: string, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const line of message.split("\n")) {
    const ours = line.startsWith(`${file}:`) ? /^[^:]+:(\d+): (.*)$/.exec(line) : null;
    const engine = /dockerfile parse error (?:on )?line (\d+): (.*)$/i.exec(line);
    const m = ours ?? engine;
    if (m) out.push({ service, file, line: Number(m[1]), column: 1, message: m[2] });
  }
  return out;
}
