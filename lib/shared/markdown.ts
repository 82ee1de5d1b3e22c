// Lesson text as a tree that React renders without raw HTML. The Markdown itself is read by `marked` (GitHub's
// dialect: tables, strike-through); this module only maps its tokens onto the few kinds of node the lesson page
// draws, turns raw HTML into visible text, and keeps links to the web, to mail and within the site.
import { Lexer, type Token, type Tokens } from "marked";

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

const LEXER_OPTIONS = { gfm: true, breaks: false } as const;

export function parseMarkdown(source: string): Block[] {
  // Tabs read as four spaces, as an editor shows them (code blocks keep the learner's alignment).
  const tokens = new Lexer(LEXER_OPTIONS).lex(source.replace(/\t/g, "    "));
  return blocks(tokens, new Map());
}

export function parseInline(text: string): Inline[] {
  return inline(new Lexer(LEXER_OPTIONS).inlineTokens(text));
}

function blocks(tokens: Token[], ids: Map<string, number>): Block[] {
  const out: Block[] = [];
  for (const token of tokens) {
    const block = toBlock(token as Tokens.Generic, ids);
    if (block) out.push(block);
  }
  return out;
}

function toBlock(token: Tokens.Generic, ids: Map<string, number>): Block | undefined {
  switch (token.type) {
    case "heading": {
      const children = inline(token.tokens ?? []);
      const level = Math.min(6, Math.max(1, token.depth)) as 1 | 2 | 3 | 4 | 5 | 6;
      return { type: "heading", level, id: uniqueId(slugify(plainText(children)), ids), children };
    }
    case "paragraph":
    case "text":
      // A tight list item's text is a paragraph too (the page draws it without the paragraph's margins).
      return { type: "paragraph", children: inline(token.tokens ?? [{ type: "text", raw: "", text: token.text }]) };
    case "code":
      return { type: "code", lang: (token.lang ?? "").split(/\s/)[0].toLowerCase(), text: token.text };
    case "list": {
      const list = token as Tokens.List;
      return {
        type: "list",
        ordered: list.ordered,
        start: typeof list.start === "number" ? list.start : 1,
        tight: !list.loose,
        items: list.items.map((item) => taskMark(item, blocks(item.tokens, ids))),
      };
    }
    case "blockquote":
      return { type: "blockquote", children: blocks(token.tokens ?? [], ids) };
    case "table": {
      const table = token as Tokens.Table;
      return {
        type: "table",
        align: table.align,
        header: table.header.map((cell) => inline(cell.tokens)),
        rows: table.rows.map((row) => row.map((cell) => inline(cell.tokens))),
      };
    }
    case "hr":
      return { type: "hr" };
    case "html":
      // Raw HTML is shown as the text it is, never rendered.
      return { type: "paragraph", children: [{ type: "text", text: token.text.trimEnd() }] };
    default:
      return undefined; // blank lines ("space"), link definitions
  }
}

/** A task list item ("- [ ] try it") keeps its box, as a character the learner sees. */
function taskMark(item: Tokens.ListItem, content: Block[]): Block[] {
  const first = content[0];
  if (!item.task || first?.type !== "paragraph") return content;
  const box: Inline = { type: "text", text: item.checked ? "☑ " : "☐ " };
  return [{ type: "paragraph", children: mergeText([box, ...first.children]) }, ...content.slice(1)];
}

function inline(tokens: Token[]): Inline[] {
  const out: Inline[] = [];
  const pushText = (text: string): void => {
    const last = out[out.length - 1];
    if (last?.type === "text") last.text += text;
    else if (text !== "") out.push({ type: "text", text });
  };
  for (const t of tokens as Tokens.Generic[]) {
    switch (t.type) {
      case "text":
        if (t.tokens?.length) out.push(...inline(t.tokens));
        else pushText(unescape(t.text));
        break;
      case "escape":
        pushText(unescape(t.text));
        break;
      case "html":
        pushText(t.text);
        break;
      case "codespan":
        out.push({ type: "code", text: unescape(t.text) });
        break;
      case "strong":
      case "em":
      case "del":
        out.push({ type: t.type, children: inline(t.tokens ?? []) });
        break;
      case "link": {
        const children = inline(t.tokens ?? []);
        const href = safeHref(t.href);
        if (href === null) children.forEach((c) => (c.type === "text" ? pushText(c.text) : out.push(c)));
        else out.push({ type: "link", href, children });
        break;
      }
      case "image":
        pushText(t.text);
        break;
      case "br":
        out.push({ type: "break" });
        break;
      default:
        pushText(t.raw);
    }
  }
  return mergeText(out);
}

/** Neighbouring text nodes as one (the lexer cuts text at every character that might have opened something). */
function mergeText(nodes: Inline[]): Inline[] {
  const out: Inline[] = [];
  for (const n of nodes) {
    const last = out[out.length - 1];
    if (n.type === "text" && last?.type === "text") last.text += n.text;
    else out.push(n.type === "text" ? { ...n } : n);
  }
  return out;
}

/** The lexer hands text over HTML-escaped, ready for a string renderer; React escapes it again by itself. */
function unescape(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) =>
    e === "amp" ? "&" : e === "lt" ? "<" : e === "gt" ? ">" : e === "quot" ? '"' : "'",
  );
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
