// What the page gets from gopls: its answers cut down to the fields the editor shows, bounded in size, and with every
// file named either by its lesson path or as a read-only source of the image (a module's, the standard library's).
// Anything else gopls might name (a path of its container outside those) is dropped, never passed on.
import type { LspRange } from "./lsp-text";

export interface GoplsTextEdit {
  range: LspRange;
  newText: string;
}

export interface GoplsCompletionItem {
  label: string;
  kind?: number;
  detail?: string;
  documentation?: string;
  sortText?: string;
  filterText?: string;
  insertText?: string;
  /** 2: a snippet ($1, ${2:name}). */
  insertTextFormat?: number;
  textEdit?: GoplsTextEdit;
  /** An import added along with the item. */
  additionalTextEdits?: GoplsTextEdit[];
  deprecated?: boolean;
  preselect?: boolean;
}

export interface GoplsCompletion {
  isIncomplete: boolean;
  items: GoplsCompletionItem[];
}

export interface GoplsHover {
  /** Markdown. */
  contents: string;
  range?: LspRange;
}

export interface GoplsSignatureHelp {
  signatures: { label: string; documentation?: string; parameters?: { label: string | [number, number] }[] }[];
  activeSignature?: number;
  activeParameter?: number;
}

/** A place in a lesson file, or in a read-only source file of the image (an absolute path inside it). */
export type GoplsLocation = { path: string; range: LspRange } | { source: string; range: LspRange };

export interface GoplsDiagnostic {
  range: LspRange;
  /** 1 error, 2 warning, 3 information, 4 hint. */
  severity: number;
  message: string;
  source?: string;
  code?: string;
}

/** Items of one completion list passed on: gopls itself stops near 100 for a member completion. */
export const MAX_COMPLETION_ITEMS = 300;
const MAX_TEXT = 64 * 1024;
const MAX_SHORT = 1024;
const MAX_EDITS = 1000;
const MAX_DIAGNOSTICS = 200;

/** Folders of the image whose Go files the page may read (the module cache and the Go toolchain's sources). */
export const SOURCE_ROOTS = ["/opt/gomodcache/", "/usr/local/go/src/"];

/** Paths a read-only source may have: under a root, no `..`, a .go file. */
export function isReadableSource(path: string): boolean {
  if (!SOURCE_ROOTS.some((root) => path.startsWith(root))) return false;
  if (path.length > 1024 || !path.endsWith(".go")) return false;
  return path.split("/").every((s, i) => (i === 0 ? s === "" : s !== "" && s !== "." && s !== ".."));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const str = (v: unknown, max = MAX_SHORT): string | undefined => (typeof v === "string" ? v.slice(0, max) : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

function position(v: unknown): { line: number; character: number } | undefined {
  if (!isObject(v)) return undefined;
  const line = num(v.line);
  const character = num(v.character);
  if (line === undefined || character === undefined || line < 0 || character < 0) return undefined;
  return { line: Math.floor(line), character: Math.floor(character) };
}

export function range(v: unknown): LspRange | undefined {
  if (!isObject(v)) return undefined;
  const start = position(v.start);
  const end = position(v.end);
  return start && end ? { start, end } : undefined;
}

export function textEdits(v: unknown): GoplsTextEdit[] {
  if (!Array.isArray(v)) return [];
  const out: GoplsTextEdit[] = [];
  for (const e of v.slice(0, MAX_EDITS)) {
    const r = isObject(e) ? range(e.range) : undefined;
    const newText = isObject(e) ? str(e.newText, 1024 * 1024) : undefined;
    if (r && newText !== undefined) out.push({ range: r, newText });
  }
  return out;
}

/** Markdown of a hover or a documentation field: a MarkupContent, a plain string, or a MarkedString list. */
function markup(v: unknown): string | undefined {
  if (typeof v === "string") return v.slice(0, MAX_TEXT);
  if (isObject(v) && typeof v.value === "string") {
    return v.kind === "plaintext" || typeof v.language === "string"
      ? "```" + (str(v.language, 20) ?? "") + "\n" + v.value.slice(0, MAX_TEXT) + "\n```"
      : v.value.slice(0, MAX_TEXT);
  }
  if (Array.isArray(v)) return v.map(markup).filter(Boolean).join("\n\n").slice(0, MAX_TEXT) || undefined;
  return undefined;
}

export function completion(v: unknown): GoplsCompletion {
  const list = Array.isArray(v) ? { isIncomplete: false, items: v } : isObject(v) ? v : { items: [] };
  const items = Array.isArray(list.items) ? list.items : [];
  return {
    isIncomplete: list.isIncomplete === true,
    items: items
      .slice(0, MAX_COMPLETION_ITEMS)
      .filter(isObject)
      .flatMap((i): GoplsCompletionItem[] => {
        const label = str(i.label);
        if (!label) return [];
        const edit = isObject(i.textEdit) ? textEdits([i.textEdit])[0] : undefined;
        return [
          {
            label,
            kind: num(i.kind),
            detail: str(i.detail),
            documentation: markup(i.documentation),
            sortText: str(i.sortText),
            filterText: str(i.filterText),
            insertText: str(i.insertText, MAX_TEXT),
            insertTextFormat: num(i.insertTextFormat),
            textEdit: edit,
            additionalTextEdits: textEdits(i.additionalTextEdits),
            deprecated: i.deprecated === true || (Array.isArray(i.tags) && i.tags.includes(1)),
            preselect: i.preselect === true,
          },
        ];
      }),
  };
}

export function hover(v: unknown): GoplsHover | null {
  if (!isObject(v)) return null;
  const contents = markup(v.contents);
  return contents ? { contents, range: range(v.range) } : null;
}

export function signatureHelp(v: unknown): GoplsSignatureHelp | null {
  if (!isObject(v) || !Array.isArray(v.signatures)) return null;
  return {
    signatures: v.signatures
      .slice(0, 20)
      .filter(isObject)
      .map((s) => ({
        label: str(s.label, MAX_TEXT) ?? "",
        documentation: markup(s.documentation),
        parameters: Array.isArray(s.parameters)
          ? s.parameters.slice(0, 100).flatMap((p): { label: string | [number, number] }[] => {
              if (!isObject(p)) return [];
              if (typeof p.label === "string") return [{ label: p.label.slice(0, MAX_SHORT) }];
              const [a, b] = Array.isArray(p.label) ? p.label : [];
              return typeof a === "number" && typeof b === "number" ? [{ label: [a, b] as [number, number] }] : [];
            })
          : undefined,
      })),
    activeSignature: num(v.activeSignature),
    activeParameter: num(v.activeParameter),
  };
}

/** A file URI of the container as the page may name it, or undefined when the page must not see it. */
export function locate(
  uri: unknown,
  workspaceUri: string,
  isLessonPath: (path: string) => boolean,
): { path: string } | { source: string } | undefined {
  if (typeof uri !== "string" || !uri.startsWith("file:///")) return undefined;
  let path: string;
  try {
    path = decodeURIComponent(uri.slice("file://".length));
  } catch {
    return undefined;
  }
  const prefix = `${workspaceUri.slice("file://".length)}/`;
  if (path.startsWith(prefix)) {
    const rel = path.slice(prefix.length);
    return isLessonPath(rel) ? { path: rel } : undefined;
  }
  return isReadableSource(path) ? { source: path } : undefined;
}

/** Places one answer may name: a definition names one or a few, references up to this many. */
export const MAX_LOCATIONS = 500;

export function locations(v: unknown, workspaceUri: string, isLessonPath: (path: string) => boolean): GoplsLocation[] {
  const list = Array.isArray(v) ? v : v ? [v] : [];
  return list.slice(0, MAX_LOCATIONS).flatMap((l): GoplsLocation[] => {
    if (!isObject(l)) return [];
    const r = range(l.range);
    const where = locate(l.uri, workspaceUri, isLessonPath);
    return r && where ? [{ ...where, range: r }] : [];
  });
}

export function diagnostics(v: unknown): GoplsDiagnostic[] {
  if (!Array.isArray(v)) return [];
  return v
    .slice(0, MAX_DIAGNOSTICS)
    .filter(isObject)
    .flatMap((d): GoplsDiagnostic[] => {
      const r = range(d.range);
      const message = str(d.message, 4096);
      if (!r || !message) return [];
      const code = typeof d.code === "number" ? String(d.code) : str(d.code, 100);
      return [{ range: r, severity: num(d.severity) ?? 1, message, source: str(d.source, 100), code }];
    });
}

/** The edits an organize-imports code action makes to one document (`uri`), from either shape of a WorkspaceEdit. */
export function codeActionEdits(edit: unknown, uri: string): GoplsTextEdit[] {
  if (!isObject(edit)) return [];
  if (Array.isArray(edit.documentChanges)) {
    return edit.documentChanges.flatMap((c) =>
      isObject(c) && isObject(c.textDocument) && c.textDocument.uri === uri ? textEdits(c.edits) : [],
    );
  }
  if (isObject(edit.changes)) return textEdits(edit.changes[uri]);
  return [];
}

/** A rename's edits, by lesson file. */
export type GoplsFileEdits = { path: string; edits: GoplsTextEdit[] }[];

/**
 * The edits of a rename (a WorkspaceEdit of either shape). A rename that would edit anything but the lesson's own files
 * (a module's source, a file to create or move) is refused whole: half a rename leaves code that does not build.
 */
export function renameEdits(
  edit: unknown,
  workspaceUri: string,
  isLessonPath: (path: string) => boolean,
): GoplsFileEdits | { refused: string } {
  if (!isObject(edit)) return [];
  const byUri: [unknown, unknown][] = [];
  if (Array.isArray(edit.documentChanges)) {
    for (const c of edit.documentChanges) {
      if (!isObject(c) || !isObject(c.textDocument)) return { refused: "it would create, move or delete files" };
      byUri.push([c.textDocument.uri, c.edits]);
    }
  } else if (isObject(edit.changes)) {
    byUri.push(...Object.entries(edit.changes));
  }
  const out: GoplsFileEdits = [];
  for (const [uri, edits] of byUri.slice(0, MAX_EDITS)) {
    const where = locate(uri, workspaceUri, isLessonPath);
    if (!where || !("path" in where)) return { refused: "it would change files outside this lesson" };
    const list = textEdits(edits);
    const same = out.find((f) => f.path === where.path);
    if (same) same.edits.push(...list);
    else out.push({ path: where.path, edits: list });
  }
  return out;
}
