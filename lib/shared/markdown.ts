// A small Markdown reader for lesson text: the subset lessons use, parsed to a tree that React renders without raw HTML.

export type Inline =
  | { type: "text"; text: string }
  | { type: "code"; text: string }
  | { type: "strong"; children: Inline[] }
  | { type: "em"; children: Inline[] }
  | { type: "del"; children: Inline[] }
  | { type: "link"; href: string; children: Inline[] }
  | { type: "break" };

export type Align = "left" | "center" | "right" | null;

export type Block =
  | { type: "heading"; level: 1 | 2 | 3 | 4 | 5 | 6; id: string; children: Inline[] }
  | { type: "paragraph"; children: Inline[] }
  | { type: "code"; lang: string; text: string }
  | { type: "list"; ordered: boolean; start: number; tight: boolean; items: Block[][] }
  | { type: "blockquote"; children: Block[] }
  | { type: "table"; align: Align[]; header: Inline[][]; rows: Inline[][][] }
  | { type: "hr" };

const FENCE = /^( {0,3})(`{3,}|~{3,})\s*([\w+#.-]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const HR = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const LIST_ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])([ \t]+(.*))?$/;
const TABLE_DELIMITER = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

const isBlank = (line: string) => line.trim() === "";

export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, "\n").replace(/\t/g, "    ").split("\n");
  const ids = new Map<string, number>();
  return parseBlocks(lines, ids);
}

function startsBlock(line: string, next: string | undefined): boolean {
  return (
    FENCE.test(line) ||
    HEADING.test(line) ||
    HR.test(line) ||
    QUOTE.test(line) ||
    LIST_ITEM.test(line) ||
    (line.includes("|") && next !== undefined && TABLE_DELIMITER.test(next) && next.includes("-"))
  );
}

function parseBlocks(lines: string[], ids: Map<string, number>): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      i++;
      continue;
    }

    const fence = FENCE.exec(line);
    if (fence) {
      const [, indent, marker, lang] = fence;
      const body: string[] = [];
      i++;
      while (i < lines.length && !new RegExp(`^ {0,3}${marker[0]}{${marker.length},}\\s*$`).test(lines[i])) {
        body.push(lines[i].startsWith(indent) ? lines[i].slice(indent.length) : lines[i].trimStart());
        i++;
      }
      i++; // the closing fence (or the end of the text)
      blocks.push({ type: "code", lang: lang.toLowerCase(), text: body.join("\n") });
      continue;
    }

    const heading = HEADING.exec(line);
    if (heading) {
      const children = parseInline(heading[2] ?? "");
      blocks.push({
        type: "heading",
        level: heading[1].length as 1 | 2 | 3 | 4 | 5 | 6,
        id: uniqueId(slugify(plainText(children)), ids),
        children,
      });
      i++;
      continue;
    }

    if (HR.test(line)) {
      blocks.push({ type: "hr" });
      i++;
      continue;
    }

    if (QUOTE.test(line)) {
      const inner: string[] = [];
      while (i < lines.length && !isBlank(lines[i])) {
        const q = QUOTE.exec(lines[i]);
        inner.push(q ? q[1] : lines[i]);
        i++;
      }
      blocks.push({ type: "blockquote", children: parseBlocks(inner, ids) });
      continue;
    }

    if (LIST_ITEM.test(line)) {
      i = parseList(lines, i, blocks, ids);
      continue;
    }

    if (
      line.includes("|") &&
      i + 1 < lines.length &&
      TABLE_DELIMITER.test(lines[i + 1]) &&
      lines[i + 1].includes("-")
    ) {
      const header = splitRow(line);
      const align = splitRow(lines[i + 1]).map((cell): Align => {
        const left = cell.startsWith(":");
        const right = cell.endsWith(":");
        return left && right ? "center" : right ? "right" : left ? "left" : null;
      });
      i += 2;
      const rows: Inline[][][] = [];
      while (i < lines.length && !isBlank(lines[i]) && lines[i].includes("|")) {
        const cells = splitRow(lines[i]);
        rows.push(header.map((_, c) => parseInline(cells[c] ?? "")));
        i++;
      }
      blocks.push({
        type: "table",
        align: header.map((_, c) => align[c] ?? null),
        header: header.map(parseInline),
        rows,
      });
      continue;
    }

    const para: string[] = [];
    while (i < lines.length && !isBlank(lines[i]) && (para.length === 0 || !startsBlock(lines[i], lines[i + 1]))) {
      para.push(lines[i]);
      i++;
    }
    blocks.push({ type: "paragraph", children: parseInline(para.map((l) => l.replace(/^ {0,3}/, "")).join("\n")) });
  }
  return blocks;
}

/** Reads one list starting at line `start`, pushes it, and returns the index of the first line after it. */
function parseList(lines: string[], start: number, out: Block[], ids: Map<string, number>): number {
  const first = LIST_ITEM.exec(lines[start])!;
  const ordered = /\d/.test(first[2]);
  const kind = (marker: string) => (/\d/.test(marker) ? marker.slice(-1) : marker);
  /** `width`: the indent that continues an item (marker plus its spaces). */
  const items: { width: number; lines: string[] }[] = [];
  let tight = true;
  let sawBlank = false;
  let i = start;
  while (i < lines.length) {
    const line = lines[i];
    const item = LIST_ITEM.exec(line);
    if (item && item[1].length === first[1].length && kind(item[2]) === kind(first[2])) {
      if (sawBlank) tight = false;
      sawBlank = false;
      const content = item[4] ?? "";
      const gap = (item[3] ?? " ").length - content.length;
      items.push({ width: item[1].length + item[2].length + Math.min(Math.max(1, gap), 4), lines: [content] });
      i++;
      continue;
    }
    const current = items[items.length - 1];
    if (isBlank(line)) {
      sawBlank = true;
      current.lines.push("");
      i++;
      continue;
    }
    const indent = line.length - line.trimStart().length;
    if (indent >= current.width) {
      if (sawBlank) tight = false;
      sawBlank = false;
      current.lines.push(line.slice(current.width));
      i++;
      continue;
    }
    // A lazy continuation of the item's paragraph; anything else ends the list.
    if (!sawBlank && !startsBlock(line, lines[i + 1])) {
      current.lines.push(line.trim());
      i++;
      continue;
    }
    break;
  }
  out.push({
    type: "list",
    ordered,
    start: ordered ? Number.parseInt(first[2], 10) : 1,
    tight,
    items: items.map((item) => parseBlocks(trimTrailingBlank(item.lines), ids)),
  });
  return i;
}

function trimTrailingBlank(lines: string[]): string[] {
  const out = [...lines];
  while (out.length > 0 && isBlank(out[out.length - 1])) out.pop();
  return out;
}

function splitRow(line: string): string[] {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
  const cells: string[] = [];
  let cell = "";
  let inCode = false;
  for (let i = 0; i < row.length; i++) {
    const ch = row[i];
    if (ch === "\\" && row[i + 1] === "|") {
      cell += "|";
      i++;
    } else if (ch === "`") {
      inCode = !inCode;
      cell += ch;
    } else if (ch === "|" && !inCode) {
      cells.push(cell.trim());
      cell = "";
    } else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

// --- inline ---

const ESCAPABLE = "\\`*_{}[]()#+-.!|~<>\"'";

export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let buf = "";
  const flush = () => {
    if (buf) out.push({ type: "text", text: buf });
    buf = "";
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i];

    if (ch === "\\" && i + 1 < text.length) {
      if (text[i + 1] === "\n") {
        flush();
        out.push({ type: "break" });
        i += 2;
        continue;
      }
      if (ESCAPABLE.includes(text[i + 1])) {
        buf += text[i + 1];
        i += 2;
        continue;
      }
    }

    if (ch === "\n") {
      if (buf.endsWith("  ")) {
        buf = buf.replace(/ +$/, "");
        flush();
        out.push({ type: "break" });
      } else buf = buf.replace(/ +$/, "") + "\n";
      i++;
      continue;
    }

    if (ch === "`") {
      const run = /^`+/.exec(text.slice(i))![0];
      const close = text.indexOf(run, i + run.length);
      if (close !== -1) {
        let code = text.slice(i + run.length, close).replace(/\n/g, " ");
        if (code.startsWith(" ") && code.endsWith(" ") && code.trim() !== "") code = code.slice(1, -1);
        flush();
        out.push({ type: "code", text: code });
        i = close + run.length;
        continue;
      }
      buf += run;
      i += run.length;
      continue;
    }

    if (ch === "<") {
      const auto = /^<(https?:\/\/[^\s<>]+)>/.exec(text.slice(i));
      if (auto) {
        flush();
        out.push({ type: "link", href: auto[1], children: [{ type: "text", text: auto[1] }] });
        i += auto[0].length;
        continue;
      }
    }

    if (ch === "[") {
      const link = matchLink(text, i);
      if (link) {
        flush();
        const href = safeHref(link.href);
        const children = parseInline(link.label);
        if (href) out.push({ type: "link", href, children });
        else out.push(...children);
        i = link.end;
        continue;
      }
    }

    if (ch === "*" || ch === "_" || ch === "~") {
      const emph = matchEmphasis(text, i);
      if (emph) {
        flush();
        out.push(emph.node);
        i = emph.end;
        continue;
      }
    }

    buf += ch;
    i++;
  }
  flush();
  return out;
}

function matchLink(text: string, at: number): { label: string; href: string; end: number } | null {
  let depth = 0;
  let j = at;
  for (; j < text.length; j++) {
    if (text[j] === "\\") {
      j++;
      continue;
    }
    if (text[j] === "[") depth++;
    else if (text[j] === "]" && --depth === 0) break;
  }
  if (j >= text.length || text[j + 1] !== "(") return null;
  // The target ends at the ")" that balances its "(" (URLs may contain parentheses).
  let close = j + 2;
  for (let open = 1; close < text.length; close++) {
    if (text[close] === "(") open++;
    else if (text[close] === ")" && --open === 0) break;
  }
  if (close >= text.length) return null;
  const target = text
    .slice(j + 2, close)
    .trim()
    .replace(/\s+"[^"]*"$/, "");
  if (/\s/.test(target)) return null;
  return { label: text.slice(at + 1, j), href: target.replace(/^<(.*)>$/, "$1"), end: close + 1 };
}

function matchEmphasis(text: string, at: number): { node: Inline; end: number } | null {
  const ch = text[at];
  const run = text.slice(at).match(ch === "~" ? /^~~/ : ch === "*" ? /^\*{1,3}/ : /^_{1,3}/)?.[0];
  if (!run) return null;
  const after = text[at + run.length];
  if (after === undefined || /\s/.test(after)) return null;
  // Underscores inside words (snake_case) are letters, not emphasis.
  if (ch === "_" && at > 0 && /[\p{L}\p{N}]/u.test(text[at - 1])) return null;
  const size = Math.min(run.length, ch === "~" ? 2 : 3);
  const marker = ch.repeat(size);
  let search = at + size;
  while (search < text.length) {
    const close = text.indexOf(marker, search);
    if (close === -1) return null;
    const before = text[close - 1];
    const next = text[close + size];
    const inWord = ch === "_" && next !== undefined && /[\p{L}\p{N}]/u.test(next);
    if (close > at + size && !/\s/.test(before) && before !== "\\" && !inWord && (ch === "~" || next !== ch)) {
      const inner = parseInline(text.slice(at + size, close));
      const node: Inline =
        ch === "~"
          ? { type: "del", children: inner }
          : size === 3
            ? { type: "strong", children: [{ type: "em", children: inner }] }
            : size === 2
              ? { type: "strong", children: inner }
              : { type: "em", children: inner };
      return { node, end: close + size };
    }
    search = close + 1;
  }
  return null;
}

/** Links may go to the web, to mail, or within the site; anything else (javascript:, data:) is dropped. */
export function safeHref(href: string): string | null {
  // Browsers ignore control characters in URLs, so "\x01javascript:" would still be javascript:.
  for (let i = 0; i < href.length; i++) if (href.charCodeAt(i) < 0x20 || href.charCodeAt(i) === 0x7f) return null;
  const trimmed = href.trim();
  if (trimmed === "") return null;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === undefined) return trimmed;
  return ["http", "https", "mailto"].includes(scheme) ? trimmed : null;
}

export function plainText(nodes: Inline[]): string {
  return nodes
    .map((n) =>
      n.type === "text" || n.type === "code"
        ? n.text
        : n.type === "break"
          ? " "
          : "children" in n
            ? plainText(n.children)
            : "",
    )
    .join("");
}

/** Heading anchors: lower-case words joined by dashes, keeping Chinese characters. */
export function slugify(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s-]/gu, "")
      .trim()
      .replace(/\s+/g, "-") || "section"
  );
}

function uniqueId(base: string, ids: Map<string, number>): string {
  const n = ids.get(base) ?? 0;
  ids.set(base, n + 1);
  return n === 0 ? base : `${base}-${n}`;
}
