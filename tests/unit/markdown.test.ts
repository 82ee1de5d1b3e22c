// The lesson Markdown reader: the subset lessons use, and no way to smuggle script URLs into links.
import { describe, expect, it } from "vitest";
import { parseInline, parseMarkdown, safeHref, slugify } from "@/lib/shared/markdown";

describe("blocks", () => {
  it("reads headings with unique anchors, paragraphs and rules", () => {
    const blocks = parseMarkdown("# 16.1 单体\n\nOne\ntwo\n\n---\n\n## Try it\n\n## Try it");
    expect(blocks.map((b) => b.type)).toEqual(["heading", "paragraph", "hr", "heading", "heading"]);
    expect(blocks[0]).toMatchObject({ level: 1, id: "161-单体" });
    expect(blocks[3]).toMatchObject({ id: "try-it" });
    expect(blocks[4]).toMatchObject({ id: "try-it-1" });
    expect(blocks[1]).toEqual({ type: "paragraph", children: [{ type: "text", text: "One\ntwo" }] });
  });

  it("keeps fenced code verbatim, with its language", () => {
    const blocks = parseMarkdown("```go\nfunc main() {\n\t*x* `y`\n}\n```\nafter");
    expect(blocks[0]).toEqual({ type: "code", lang: "go", text: "func main() {\n    *x* `y`\n}" });
    expect(blocks[1].type).toBe("paragraph");
  });

  it("reads tight and loose lists, ordered starts and nesting", () => {
    const [tight] = parseMarkdown("- a\n- b\n  - c\n- d");
    expect(tight).toMatchObject({ type: "list", ordered: false, tight: true });
    if (tight.type !== "list") throw new Error("list expected");
    expect(tight.items).toHaveLength(3);
    expect(tight.items[1][1]).toMatchObject({ type: "list", items: [[{ type: "paragraph" }]] });

    const [loose] = parseMarkdown("3. one\n\n4. two\n   more");
    expect(loose).toMatchObject({ type: "list", ordered: true, start: 3, tight: false });
    if (loose.type !== "list") throw new Error("list expected");
    expect(loose.items[1][0]).toEqual({ type: "paragraph", children: [{ type: "text", text: "two\nmore" }] });
  });

  it("reads tables with alignment, and block quotes", () => {
    const [table, quote] = parseMarkdown("| a | b |\n|:--|--:|\n| `x\\|y` | **z** |\n\n> note\n> more");
    expect(table).toMatchObject({ type: "table", align: ["left", "right"] });
    if (table.type !== "table") throw new Error("table expected");
    expect(table.rows[0][0]).toEqual([{ type: "code", text: "x|y" }]);
    expect(quote).toMatchObject({ type: "blockquote", children: [{ type: "paragraph" }] });
  });
});

describe("inline", () => {
  it("reads code, strong, emphasis, strike-through and links", () => {
    expect(parseInline("a `b*c` **d** *e* ~~f~~ [g](https://go.dev)")).toEqual([
      { type: "text", text: "a " },
      { type: "code", text: "b*c" },
      { type: "text", text: " " },
      { type: "strong", children: [{ type: "text", text: "d" }] },
      { type: "text", text: " " },
      { type: "em", children: [{ type: "text", text: "e" }] },
      { type: "text", text: " " },
      { type: "del", children: [{ type: "text", text: "f" }] },
      { type: "text", text: " " },
      { type: "link", href: "https://go.dev", children: [{ type: "text", text: "g" }] },
    ]);
  });

  it("leaves snake_case and unmatched markers alone", () => {
    expect(parseInline("user_service_name and 2 * 3")).toEqual([{ type: "text", text: "user_service_name and 2 * 3" }]);
  });

  it("honours escapes and hard breaks", () => {
    expect(parseInline("\\*not em\\*  \nnext")).toEqual([
      { type: "text", text: "*not em*" },
      { type: "break" },
      { type: "text", text: "next" },
    ]);
  });

  it("drops links to script URLs but keeps their text", () => {
    expect(parseInline("[click](javascript:alert(1))")).toEqual([{ type: "text", text: "click" }]);
    expect(safeHref("JavaScript:alert(1)")).toBeNull();
    expect(safeHref("\u0001javascript:alert(1)")).toBeNull();
    expect(safeHref("data:text/html,x")).toBeNull();
    expect(safeHref("/lessons/x#y")).toBe("/lessons/x#y");
    expect(safeHref("mailto:a@b.c")).toBe("mailto:a@b.c");
  });

  it("slugifies headings keeping Chinese", () => {
    expect(slugify("16.4 服务间通信: HTTP")).toBe("164-服务间通信-http");
    expect(slugify("!!!")).toBe("section");
  });
});

describe("task lists", () => {
  it("keep each item's box as a character", () => {
    const [list] = parseMarkdown("- [ ] try it\n- [x] done");
    if (list.type !== "list") throw new Error("list expected");
    expect(list.items.map((item) => item[0])).toEqual([
      { type: "paragraph", children: [{ type: "text", text: "☐ try it" }] },
      { type: "paragraph", children: [{ type: "text", text: "☑ done" }] },
    ]);
  });

  it("show raw HTML as the text it is", () => {
    expect(parseMarkdown("<script>alert(1)</script>")).toEqual([
      { type: "paragraph", children: [{ type: "text", text: "<script>alert(1)</script>" }] },
    ]);
    expect(parseInline("a <b>x</b> &amp; `<i>`")).toEqual([
      { type: "text", text: "a <b>x</b> & " },
      { type: "code", text: "<i>" },
    ]);
  });
});
