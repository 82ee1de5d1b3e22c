// How lesson files appear in the editor: tab order, short tab labels, and the Monaco language of each file.

/** manifest.openFiles first (in their order), then every other file alphabetically. */
export function tabOrder(paths: string[], openFiles: string[]): string[] {
  const present = new Set(paths);
  const first = openFiles.filter((p, i) => present.has(p) && openFiles.indexOf(p) === i);
  const chosen = new Set(first);
  return [...first, ...paths.filter((p) => !chosen.has(p)).sort()];
}

/** The shortest trailing part of each path that tells it apart from the others ("monolith/main.go"). */
export function tabLabels(paths: string[]): Record<string, string> {
  const parts = new Map(paths.map((p) => [p, p.split("/")]));
  const labels: Record<string, string> = {};
  for (const path of paths) {
    const mine = parts.get(path)!;
    let depth = 1;
    while (depth < mine.length) {
      const suffix = mine.slice(-depth).join("/");
      const clash = paths.some((other) => other !== path && parts.get(other)!.slice(-depth).join("/") === suffix);
      if (!clash) break;
      depth++;
    }
    labels[path] = mine.slice(-depth).join("/");
  }
  return labels;
}

/** Monaco language ids registered by components/editor/monaco-setup.ts; anything else is plain text. */
export function languageOf(path: string): string {
  const name = path.split("/").pop() ?? path;
  if (name.endsWith(".go")) return "go";
  if (name.endsWith(".yaml") || name.endsWith(".yml")) return "yaml";
  if (name === "Dockerfile" || name.endsWith(".dockerfile")) return "dockerfile";
  if (name.endsWith(".proto")) return "proto";
  if (name.endsWith(".md")) return "markdown";
  return "plaintext";
}

/**
 * A tab's name for a read-only Go source of the sandbox image: the file, and the module (with its version) or the
 * standard library package it belongs to. `/opt/gomodcache/google.golang.org/grpc@v1.77.0/server.go` →
 * `server.go · grpc@v1.77.0`; `/usr/local/go/src/net/http/server.go` → `server.go · net/http`.
 */
export function sourceLabel(path: string): string {
  const parts = path.split("/").filter(Boolean);
  const file = parts.at(-1) ?? path;
  const std = path.startsWith("/usr/local/go/src/") ? parts.slice(4, -1).join("/") : undefined;
  if (std !== undefined) return std ? `${file} · ${std}` : file;
  const module = parts.find((p) => p.includes("@"));
  return module ? `${file} · ${module}` : file;
}
