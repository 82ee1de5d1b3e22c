// From output to code: a file:line in a log line (a compiler message, a Go panic's stack, a log call's position)
// becomes a link to that line of the lesson's file in the editor. Finding links is pure; opening one goes through
// a small bus the workspace listens to. Browser only.

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
    const raw = m[1];
    let path: string | undefined;
    if (raw.startsWith(CONTAINER_SRC)) path = raw.slice(CONTAINER_SRC.length);
    else if (!raw.startsWith("/") && serviceDir) path = `${serviceDir}/${raw.replace(/^\.\//, "")}`;
    if (!path || !has(path)) continue;
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
