// Pure Dockerfile logic for a learner's image build: what the Dockerfile may ask of the engine (decided from
// dockerfile-ast's tree, so nothing is ever pulled or downloaded), which context files .dockerignore keeps, and what
// the build output says about stages.

import {
  DockerfileParser,
  JSONInstruction,
  ModifiableInstruction,
  type Dockerfile,
  type Instruction as AstInstruction,
} from "dockerfile-ast";
import { MAX_DOCKERIGNORE_PATTERN_CHARS, MAX_DOCKERIGNORE_PATTERNS } from "./limits";
import type { Diagnostic, LessonFiles } from "./types";

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

function parse(text: string): Dockerfile {
  return DockerfileParser.parse(text);
}

function flagsOf(ins: AstInstruction): { name: string; value: string }[] {
  if (!(ins instanceof ModifiableInstruction)) return [];
  return ins.getFlags().map((f) => ({ name: f.getName().toLowerCase(), value: f.getValue() ?? "" }));
}

function argsOf(ins: AstInstruction): string[] {
  if (ins instanceof JSONInstruction && ins.getJSONStrings().length > 0) {
    return ins.getJSONStrings().map((s) => s.getJSONValue());
  }
  return ins.getArguments().map((a) => a.getValue());
}

/** Logical instructions as the engine reads them: comments dropped, continuations joined, the line each starts on. */
export function instructions(text: string): Instruction[] {
  return parse(text)
    .getInstructions()
    .map((ins) => ({
      keyword: ins.getKeyword().toUpperCase(),
      args: [...flagsOf(ins).map((f) => `--${f.name}=${f.value}`), ...argsOf(ins)].join(" "),
      line: ins.getRange().start.line + 1,
    }));
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

/** The platform the engine builds for: a FROM --platform of another one would make the classic builder pull. */
export function enginePlatform(): string {
  const arch = ({ x64: "amd64", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x" } as const)[
    process.arch as "x64"
  ];
  return `linux/${arch ?? process.arch}`;
}

/** Flags the classic builder of Engine 20.10 knows, per instruction; anything else is BuildKit's, or a typo. */
const ALLOWED_FLAGS: Record<string, readonly string[]> = {
  FROM: ["platform"],
  COPY: ["from", "chown"],
  ADD: ["chown"],
  HEALTHCHECK: ["interval", "timeout", "start-period", "retries"],
};

/** Instructions the classic builder runs that ask nothing of the host; ADD, COPY, FROM, RUN, USER are checked. */
const PLAIN = new Set([
  "ARG",
  "ENV",
  "LABEL",
  "MAINTAINER",
  "EXPOSE",
  "WORKDIR",
  "CMD",
  "ENTRYPOINT",
  "SHELL",
  "STOPSIGNAL",
  "HEALTHCHECK",
]);

/** A heredoc (`<<EOF`) is BuildKit's; the classic builder here would read the lines after it as instructions. */
const HEREDOC = /<<-?\s*["']?[A-Za-z_]/;

/** gzip, bzip2, xz, zstd: what the engine's ADD would decompress. */
const COMPRESSED_MAGIC = [
  [0x1f, 0x8b],
  [0x42, 0x5a, 0x68],
  [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
  [0x28, 0xb5, 0x2f, 0xfd],
];

/** Whether the engine's ADD would unpack these bytes (a tar header with a valid checksum, or a compressed stream). */
export function looksLikeArchive(bytes: Uint8Array): boolean {
  if (COMPRESSED_MAGIC.some((magic) => magic.every((b, i) => bytes[i] === b))) return true;
  if (bytes.length < 512) return false;
  const field = Buffer.from(bytes.subarray(148, 156))
    .toString("latin1")
    .replace(/[\0 ]+$/, "")
    .trim();
  if (!/^[0-7]+$/.test(field)) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : bytes[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  const sum = parseInt(field, 8);
  return sum === unsigned || sum === signed;
}

/**
 * The id a USER value names as the engine would read it (strconv.Atoi: "00", "+0" and "-0" are 0), 0 for root, or
 * undefined for a name only the image can map (checked again after the build).
 */
export function numericId(value: string): number | undefined {
  if (value === "root") return 0;
  return /^[+-]?\d+$/.test(value) ? Number(value) : undefined;
}

export interface CheckOptions {
  /** The build context: an ADD of an archive in it would be unpacked by the engine, where no disk limit applies. */
  context?: LessonFiles;
  platform?: string;
}

/**
 * Stages of the Dockerfile and every reason not to hand it to the engine. Everything that could make the engine
 * reach past the sandbox is refused: a base image only a registry could give (or a variable that could name one), ADD
 * from a URL or git (the engine fetches those itself, on the host's network), a `# syntax=` frontend, RUN flags,
 * ONBUILD, VOLUME (an anonymous writable volume on the host's disk), a root USER, heredocs.
 */
export function checkDockerfile(
  text: string,
  available: readonly string[],
  options: CheckOptions = {},
): { stages: DockerfileStage[]; problems: DockerfileProblem[]; keywords: string[] } {
  const stages: DockerfileStage[] = [];
  const problems: DockerfileProblem[] = [];
  const known = new Set(available.map(normalizeImage));
  const list = [...available, "scratch"].join(", ");
  const platform = options.platform ?? enginePlatform();
  const df = parse(text);
  const problem = (line: number, message: string): void => void problems.push({ line, message });

  for (const d of df.getDirectives()) {
    const name = d.getName().toLowerCase();
    if (name !== "escape") {
      problem(
        d.getRange().start.line + 1,
        `the parser directive "# ${name}=" is not allowed here: a syntax frontend would be fetched from a registry; remove the line`,
      );
    }
  }

  const isStage = (ref: string, before: number): boolean =>
    stages.slice(0, before).some((s) => s.name === ref.toLowerCase()) || (/^\d+$/.test(ref) && Number(ref) < before);
  const checkImage = (ref: string, line: number, what: string): void => {
    if (/[$"'`\\]/.test(ref)) {
      problem(line, `${what} "${ref}" uses a variable, quote or escape; name the image itself (one of ${list})`);
    } else if (ref.toLowerCase() !== "scratch" && !isStage(ref, stages.length) && !known.has(normalizeImage(ref))) {
      problem(
        line,
        `${what} "${ref}" is not available here: no image registry is reachable, so only the playground's local base images can be used: ${list}`,
      );
    }
  };
  const archives = Object.entries(options.context ?? {})
    .filter(([, body]) => looksLikeArchive(Buffer.from(body, "utf8")))
    .map(([p]) => p);

  const checkOne = (ins: AstInstruction, line: number): void => {
    const keyword = ins.getKeyword().toUpperCase();
    const flags = flagsOf(ins);
    const args = argsOf(ins);
    const raw = ins.getRawArgumentsContent() ?? "";
    for (const f of flags) {
      if (!(ALLOWED_FLAGS[keyword] ?? []).includes(f.name)) {
        const why =
          keyword === "RUN" && ["mount", "network", "security"].includes(f.name)
            ? `it would give the step ${f.name === "mount" ? "mounts" : f.name === "network" ? "a network" : "privileges"} beyond the sandbox`
            : "the classic builder here does not know it";
        problem(line, `${keyword} --${f.name} is not allowed here: ${why}`);
      }
    }
    if (["RUN", "COPY", "ADD"].includes(keyword) && HEREDOC.test(raw)) {
      problem(
        line,
        `${keyword} with a heredoc (<<) is not supported here: the classic builder would read the lines after it as instructions`,
      );
    }
    switch (keyword) {
      case "FROM": {
        const platformFlag = flags.find((f) => f.name === "platform");
        if (platformFlag && platformFlag.value !== platform) {
          problem(
            line,
            `FROM --platform=${platformFlag.value}: only ${platform} can be built here (another one would be pulled)`,
          );
        }
        const [image, as, name, ...extra] = args;
        if (!image) return problem(line, "FROM needs an image");
        checkImage(image, line, "base image");
        if ((as !== undefined && (as.toUpperCase() !== "AS" || !name)) || extra.length > 0) {
          problem(line, `FROM takes an image and an optional "AS name", not "${args.join(" ")}"`);
        }
        if (name && /[$"'`\\]/.test(name)) problem(line, `the stage name "${name}" uses a variable, quote or escape`);
        stages.push({ base: image, name: as?.toUpperCase() === "AS" ? name?.toLowerCase() : undefined, line });
        break;
      }
      case "COPY":
      case "ADD": {
        const from = flags.find((f) => f.name === "from");
        if (from) checkImage(from.value, line, "COPY --from image");
        if (keyword === "ADD") {
          for (const src of args.slice(0, -1)) {
            const plain = src.replace(/["'`\\]/g, "");
            if (/\$|:\/\/|^[a-z][a-z0-9+.-]*:|^git@|@.*:/i.test(plain)) {
              problem(
                line,
                `ADD "${src}" is not allowed here: ADD takes files of the build context only (no URL, git or variable), the engine would fetch anything else on the host's network; use COPY`,
              );
            }
          }
          if (archives.length > 0) {
            problem(
              line,
              `ADD would unpack ${archives.map((a) => `"${a}"`).join(", ")} (an archive) inside the engine, where no disk limit applies; use COPY`,
            );
          }
        }
        break;
      }
      case "RUN":
        break;
      case "USER": {
        const value = args.join(" ");
        const plain = value.replace(/["']/g, "");
        if (/[$`\\]/.test(plain) || args.length !== 1) {
          problem(line, `USER "${value}" uses a variable or escape; name the user itself, e.g. USER 65532:65532`);
          break;
        }
        const [user, group] = plain.split(":");
        if (user === "" || (numericId(user) ?? 1) <= 0) {
          problem(
            line,
            `USER ${value} is root (uid 0): the playground never runs an image as root; use e.g. USER 65532:65532`,
          );
        } else if (group !== undefined && (group === "" || (numericId(group) ?? 1) <= 0)) {
          problem(line, `USER ${value} names root's group (gid 0); use e.g. USER 65532:65532`);
        }
        break;
      }
      case "ONBUILD":
        problem(line, "ONBUILD is not allowed here: its instructions would run unchecked in a later build");
        break;
      case "VOLUME":
        problem(
          line,
          "VOLUME is not allowed here: the engine would give each container an anonymous writable volume on the host's disk, past the read-only root and its size limits; write to /tmp (a small tmpfs) instead",
        );
        break;
      default:
        if (!PLAIN.has(keyword)) problem(line, `unknown instruction: ${ins.getInstruction()}`);
    }
  };

  const keywords: string[] = [];
  for (const ins of df.getInstructions()) {
    keywords.push(ins.getKeyword().toUpperCase());
    checkOne(ins, ins.getRange().start.line + 1);
  }
  if (stages.length === 0) problems.push({ line: 1, message: "the Dockerfile has no FROM instruction" });
  problems.sort((a, b) => a.line - b.line);
  return { stages, problems, keywords };
}

/** One piece of a .dockerignore pattern, matched by a small automaton (no regular expression, no backtracking). */
type GlobToken =
  | { kind: "char"; char: string }
  | { kind: "one" } // ?
  | { kind: "star" } // *: anything but /
  | { kind: "rest" } // ** at the end: anything
  | { kind: "dirs" } // **/ (or ** inside): nothing, or anything ending with /
  | { kind: "set"; negated: boolean; ranges: [string, string][] };

function compileGlob(pattern: string): GlobToken[] {
  const out: GlobToken[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*" && pattern[i + 1] === "*") {
      i++;
      if (pattern[i + 1] === "/") i++;
      out.push({ kind: i + 1 >= pattern.length ? "rest" : "dirs" });
    } else if (c === "*") out.push({ kind: "star" });
    else if (c === "?") out.push({ kind: "one" });
    else if (c === "\\") out.push({ kind: "char", char: pattern[++i] ?? "\\" });
    else if (c === "[") {
      let j = i + 1;
      const negated = pattern[j] === "^";
      if (negated) j++;
      const ranges: [string, string][] = [];
      for (let first = true; j < pattern.length && (pattern[j] !== "]" || first); first = false) {
        let lo = pattern[j++];
        if (lo === "\\") lo = pattern[j++] ?? "\\";
        let hi = lo;
        if (pattern[j] === "-" && pattern[j + 1] !== undefined && pattern[j + 1] !== "]") {
          hi = pattern[j + 1] === "\\" ? (pattern[j + 2] ?? "\\") : pattern[j + 1];
          j += pattern[j + 1] === "\\" ? 3 : 2;
        }
        ranges.push([lo, hi]);
      }
      if (pattern[j] !== "]") throw new Error(`"${pattern}" has a "[" without its "]"`);
      out.push({ kind: "set", negated, ranges });
      i = j;
    } else out.push({ kind: "char", char: c });
  }
  return out;
}

/**
 * Whether the pattern matches each leading part of a path (its first folder, its first two, … the whole path), in
 * one pass of O(pattern × path): the set of pattern positions reachable so far, advanced a char at a time.
 * `out[k]` answers for the first k segments.
 */
function globPrefixes(tokens: GlobToken[], s: string): boolean[] {
  const out: boolean[] = [false];
  const n = tokens.length;
  // Bit 1: at position i; bit 2: within the "anything" of a **/ at i, not yet closed by its /.
  let cur = new Uint8Array(n + 1);
  let next = new Uint8Array(n + 1);
  const close = (set: Uint8Array): void => {
    for (let i = 0; i < n; i++) {
      const k = tokens[i].kind;
      if (set[i] & 1 && (k === "star" || k === "rest" || k === "dirs")) set[i + 1] |= 1;
    }
  };
  cur[0] = 1;
  close(cur);
  for (let p = 0; p < s.length; p++) {
    const c = s[p];
    if (c === "/") out.push((cur[n] & 1) === 1);
    next.fill(0);
    let alive = false;
    for (let i = 0; i < n; i++) {
      const state = cur[i];
      if (!state) continue;
      alive = true;
      const t = tokens[i];
      if (state & 2 || t.kind === "dirs") {
        next[i] |= 2;
        if (c === "/") next[i + 1] |= 1;
      }
      if (!(state & 1)) continue;
      if (t.kind === "char") {
        if (c === t.char) next[i + 1] |= 1;
      } else if (t.kind === "one") {
        if (c !== "/") next[i + 1] |= 1;
      } else if (t.kind === "set") {
        const inSet = t.ranges.some(([lo, hi]) => c >= lo && c <= hi);
        if (inSet !== t.negated) next[i + 1] |= 1;
      } else if ((t.kind === "star" && c !== "/") || t.kind === "rest") next[i] |= 1;
    }
    if (!alive) {
      cur.fill(0); // nothing longer can match
      break;
    }
    close(next);
    [cur, next] = [next, cur];
  }
  const segments = s.split("/").length;
  while (out.length < segments) out.push(false);
  out.push((cur[n] & 1) === 1);
  return out;
}

/** Go's filepath.Clean for a slash path, as Docker applies it to each pattern. */
function cleanPath(p: string): string {
  const rooted = p.startsWith("/");
  const parts: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && parts.length > 0 && parts[parts.length - 1] !== "..") parts.pop();
    else if (part !== ".." || !rooted) parts.push(part);
  }
  const joined = parts.join("/");
  return rooted ? `/${joined}` : joined || ".";
}

export class DockerignoreError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

interface IgnoreRule {
  pattern: string;
  negate: boolean;
  tokens: GlobToken[];
  segments: number;
}

/**
 * A .dockerignore as Engine 20.10 reads it (moby's fileutils.PatternMatcher and the context walk): `#` comments, `!`
 * exceptions, the last matching line wins, a pattern is also tried on the path's first folders, and an excluded
 * folder takes everything in it unless an exception names something inside. Patterns are counted and measured
 * before anything is matched; throws a DockerignoreError (with its line) past those limits or on a bad pattern.
 */
export function dockerignoreMatcher(text: string): (path: string) => boolean {
  const rules: IgnoreRule[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (raw.startsWith("#")) return;
    let pattern = raw.replace(/^\uFEFF/, "").trim();
    if (!pattern) return;
    const negate = pattern.startsWith("!");
    if (negate) pattern = pattern.slice(1).trim();
    if (pattern.length > MAX_DOCKERIGNORE_PATTERN_CHARS) {
      throw new DockerignoreError(line, `a pattern may be at most ${MAX_DOCKERIGNORE_PATTERN_CHARS} characters long`);
    }
    if (rules.length >= MAX_DOCKERIGNORE_PATTERNS) {
      throw new DockerignoreError(line, `a .dockerignore may hold at most ${MAX_DOCKERIGNORE_PATTERNS} patterns`);
    }
    if (!pattern) throw new DockerignoreError(line, 'illegal exclusion pattern: "!"');
    pattern = cleanPath(pattern);
    if (pattern.length > 1 && pattern.startsWith("/")) pattern = pattern.slice(1);
    try {
      rules.push({ pattern, negate, tokens: compileGlob(pattern), segments: pattern.split("/").length });
    } catch (err) {
      throw new DockerignoreError(line, (err as Error).message);
    }
  });
  const exceptions = rules.filter((r) => r.negate).map((r) => `${r.pattern}/`);

  return (path) => {
    const parts = path.split("/");
    const prefixes = rules.map((rule) => globPrefixes(rule.tokens, path));
    // moby's Matches for the first k segments: the pattern on them, else on as many of their parent folders.
    const matches = (k: number): boolean => {
      let matched = false;
      rules.forEach((rule, r) => {
        const match = prefixes[r][k] || (k > 1 && rule.segments <= k - 1 && prefixes[r][rule.segments]);
        if (match) matched = !rule.negate;
      });
      return matched;
    };
    for (let k = 1; k < parts.length; k++) {
      const dir = parts.slice(0, k).join("/");
      // The walk skips an excluded folder whole unless an exception starts inside it.
      if (matches(k) && !exceptions.some((e) => e.startsWith(`${dir}/`))) return true;
    }
    return matches(parts.length);
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
 * Follows the classic builder's output ("Step 3/9 : FROM golang:1.26 AS build", " ---> Running in 695b4b19112e",
 * " ---> 5b0d61a963d6"), so the engine can size each stage's result, watch the disk a RUN step writes, remove the
 * intermediate images a multi-stage build leaves behind, and stop a build whose steps are not the ones checked.
 */
export class BuildOutputTracker {
  readonly stages: BuiltStage[] = [];
  /** The container of the RUN step in progress, if any. */
  running?: string;
  /** Why the engine's steps differ from the instructions that were checked (then the build must stop). */
  mismatch?: string;
  private expectBase = false;
  private partial = "";

  /** `expected`: the keywords of the checked Dockerfile, in order. */
  constructor(private readonly expected?: readonly string[]) {}

  push(text: string): void {
    const lines = (this.partial + text).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    const step = /^Step (\d+)\/(\d+) : (\S+)\s*(.*)$/.exec(line.trim());
    if (step) {
      this.running = undefined;
      const [index, total, keyword] = [Number(step[1]), Number(step[2]), step[3].toUpperCase()];
      if (this.expected && !this.mismatch) {
        if (total !== this.expected.length || this.expected[index - 1] !== keyword) {
          this.mismatch = `the engine read step ${index} of ${total} as ${keyword}, not what the playground checked (${this.expected.length} instructions); the build was stopped`;
        }
      }
      if (keyword === "FROM") {
        const { rest } = splitFlags(step[4]);
        const named = rest[1]?.toUpperCase() === "AS" ? rest[2]?.toLowerCase() : undefined;
        this.stages.push({ base: rest[0] ?? "", name: named, ids: [] });
        this.expectBase = true;
      }
      return;
    }
    const running = /^ ---> Running in ([0-9a-f]{12,64})\s*$/.exec(line);
    if (running) {
      this.running = running[1];
      return;
    }
    if (/^Removing intermediate container /.test(line)) this.running = undefined;
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
