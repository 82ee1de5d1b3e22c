// From output to code: a file:line in a log line (a compiler message, a Go panic's stack, a log call's position), or
// the code attributes of a span, becomes a link to that line of the lesson's file in the editor. Finding links is
// pure; opening one goes through a small bus the workspace listens to. Browser only.
import type { AttributeValue } from "@/sandbox/types";

/** Where the runner puts the lesson's files inside a service's container (sandbox/live-files.ts CONTAINER_SRC). */
const CONTAINER_SRC = "/work/src/";

/** `path/to/file.go:12` or `file.go:12:3`, not inside a longer word or URL. */
const FILE_LINE =
  /(?<![\w/.:-])((?:\.\/|\/)?[\w.-]+(?:\/[\w.-]+)*\.(?:go|proto|ya?ml|mod|json|Dockerfile)):(\d{1,6})(?::(\d{1,4}))?/g;

export interface CodeLink {
  /** Character offsets of the link in the line. */
  start: number;
  end: number;
  /** Lesson-relative path of an existing file. */
  path: string;
  line: number;
  column: number;
}

/**
 * The links in one line of a service's output. A path is the container's (/work/src/…), or relative to the service's
 * folder (as the Go compiler prints it); only files the lesson has become links.
 */
export function findCodeLinks(
  text: string,
  serviceDir: string | undefined,
  has: (path: string) => boolean,
): CodeLink[] {
  const links: CodeLink[] = [];
  for (const m of text.matchAll(FILE_LINE)) {
    const path = lessonPath(m[1], serviceDir, has);
    if (!path) continue;
    links.push({
      start: m.index,
      end: m.index + m[0].length,
      path,
      line: Number(m[2]),
      column: Number(m[3] ?? 1),
    });
  }
  return links;
}

/** The lesson path a path printed by a service names: the container's (/work/src/…), or relative to its folder. */
function lessonPath(raw: string, serviceDir: string | undefined, has: (path: string) => boolean): string | undefined {
  let path: string | undefined;
  if (raw.startsWith(CONTAINER_SRC)) path = raw.slice(CONTAINER_SRC.length);
  else if (!raw.startsWith("/") && serviceDir) path = `${serviceDir}/${raw.replace(/^\.\//, "")}`;
  return path && has(path) ? path : undefined;
}

/**
 * The OpenTelemetry attributes that say where a span was made: the current semantic conventions first, then the
 * names they replaced (semconv ≤ 1.29), which older instrumentation still sends.
 */
export const CODE_ATTRIBUTES = {
  file: ["code.file.path", "code.filepath"],
  line: ["code.line.number", "code.lineno"],
  column: ["code.column.number", "code.column"],
  function: ["code.function.name", "code.function"],
} as const;

export interface SpanCodeLink {
  path: string;
  line: number;
  column: number;
  /** The function the attributes name, as the service wrote it (e.g. main.lookup). */
  function?: string;
}

/** The longest a line or column number in a span may be: past that it is no position in a lesson's file. */
const MAX_POSITION = 1_000_000;

function firstOf(attributes: Record<string, AttributeValue>, keys: readonly string[]): AttributeValue | undefined {
  for (const key of keys) if (attributes[key] !== undefined) return attributes[key];
  return undefined;
}

/** A positive whole number from an attribute: an int, or an int sent as text (OTLP/JSON's 64-bit integers are). */
function position(value: AttributeValue | undefined): number | undefined {
  const n =
    typeof value === "number" ? value : typeof value === "string" && /^\d{1,7}$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= MAX_POSITION ? n : undefined;
}

/**
 * Where a span's code attributes point in the lesson, if they name one of its files. The path is the one the service
 * saw: the container's (/work/src/… — what Go's runtime.Caller gives), relative to the service's folder, or, when
 * built with -trimpath, the module path followed by the file's path in the module (matched by its ending).
 */
export function spanCodeLink(
  attributes: Record<string, AttributeValue>,
  serviceDir: string | undefined,
  has: (path: string) => boolean,
): SpanCodeLink | undefined {
  const file = firstOf(attributes, CODE_ATTRIBUTES.file);
  const line = position(firstOf(attributes, CODE_ATTRIBUTES.line));
  if (typeof file !== "string" || file === "" || file.length > 1000 || line === undefined) return undefined;
  let path = lessonPath(file, serviceDir, has);
  if (!path && serviceDir && !file.startsWith("/")) {
    // -trimpath: "playground/tracing/backend/main.go" is main.go of the module playground/tracing/backend.
    const parts = file.split("/");
    for (let i = 1; i < parts.length && !path; i++) {
      const candidate = `${serviceDir}/${parts.slice(i).join("/")}`;
      if (has(candidate)) path = candidate;
    }
  }
  if (!path) return undefined;
  const fn = firstOf(attributes, CODE_ATTRIBUTES.function);
  return {
    path,
    line,
    column: position(firstOf(attributes, CODE_ATTRIBUTES.column)) ?? 1,
    ...(typeof fn === "string" && fn !== "" ? { function: fn.slice(0, 300) } : {}),
  };
}

/**
 * A place to show in the editor: a lesson file's line (`path`), or a line of a read-only Go source of the sandbox image
 * (`source`: a module's or the standard library's, as gopls named it for a definition).
 */
export type CodePlace = ({ path: string } | { source: string }) & { line: number; column: number };

type Listener = (place: CodePlace) => void;
const listeners = new Set<Listener>();

export function openCode(link: CodePlace): void {
  for (const listener of listeners) listener(link);
}

export function onOpenCode(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
