// gopls's wire and its answers: LSP framing both ways with its bounds, incremental edits applied as didChange says,
// and what of gopls's answers reaches the page (lesson paths, readable sources, nothing else of the container).
import { describe, expect, it } from "vitest";
import { encodeLsp, LspFramingError, LspReader } from "@/sandbox/lsp-framing";
import { applyChanges, offsetAt } from "@/sandbox/lsp-text";
import { codeActionEdits, completion, isReadableSource, locate, locations, renameEdits } from "@/sandbox/gopls-results";
import { sourceLabel } from "@/lib/client/files";

describe("LSP framing", () => {
  it("reads messages split anywhere, and several in one chunk", () => {
    const a = encodeLsp({ jsonrpc: "2.0", id: 1, result: { text: "héllo 你好" } });
    const b = encodeLsp({ jsonrpc: "2.0", method: "x", params: [] });
    const all = Buffer.concat([a, b]);
    for (let cut = 1; cut < all.length; cut += 7) {
      const reader = new LspReader(1024);
      const got = [...reader.push(all.subarray(0, cut)), ...reader.push(all.subarray(cut))];
      expect(got).toEqual([
        { jsonrpc: "2.0", id: 1, result: { text: "héllo 你好" } },
        { jsonrpc: "2.0", method: "x", params: [] },
      ]);
    }
  });

  it("refuses a message over the limit before reading its body", () => {
    const reader = new LspReader(100);
    expect(() => reader.push(Buffer.from("Content-Length: 101\r\n\r\n"))).toThrow(LspFramingError);
  });

  it("refuses a header that never ends, a missing length and a body that is not a JSON object", () => {
    expect(() => new LspReader(100).push(Buffer.alloc(2000, 0x41))).toThrow(/header is too long/);
    expect(() => new LspReader(100).push(Buffer.from("X-Foo: 1\r\n\r\n"))).toThrow(/no Content-Length/);
    expect(() => new LspReader(100).push(Buffer.from("Content-Length: 2\r\n\r\n[]"))).toThrow(/not a JSON object/);
    expect(() => new LspReader(100).push(Buffer.from("Content-Length: -1\r\n\r\n"))).toThrow(/not a number/);
  });
});

describe("incremental edits", () => {
  const text = "package main\n\nfunc main() {\n}\n";

  it("applies edits in order, each to the text the one before made", () => {
    const out = applyChanges(text, [
      { range: { start: { line: 2, character: 13 }, end: { line: 2, character: 13 } }, text: "\n\tprintln()" },
      { range: { start: { line: 3, character: 9 }, end: { line: 3, character: 9 } }, text: '"hi"' },
    ]);
    expect(out).toBe('package main\n\nfunc main() {\n\tprintln("hi")\n}\n');
  });

  it("counts characters in UTF-16 and clamps positions past a line or the text", () => {
    expect(offsetAt("a😀b\nc", { line: 0, character: 3 })).toBe(3);
    expect(offsetAt("ab\ncd", { line: 0, character: 99 })).toBe(2);
    expect(offsetAt("ab\ncd", { line: 9, character: 0 })).toBe(5);
    expect(applyChanges("abc", [{ text: "whole" }])).toBe("whole");
  });
});

describe("gopls's answers as the page gets them", () => {
  const inLesson = (p: string) => p === "services/api/main.go";

  it("names lesson files by path and image sources by their path; anything else is dropped", () => {
    expect(locate("file:///work/src/services/api/main.go", "file:///work/src", inLesson)).toEqual({
      path: "services/api/main.go",
    });
    expect(
      locate("file:///opt/gomodcache/github.com/go-kit/kit@v0.13.0/endpoint/endpoint.go", "file:///work/src", inLesson),
    ).toEqual({ source: "/opt/gomodcache/github.com/go-kit/kit@v0.13.0/endpoint/endpoint.go" });
    expect(locate("file:///work/src/services/other.go", "file:///work/src", inLesson)).toBeUndefined();
    expect(locate("file:///etc/passwd", "file:///work/src", inLesson)).toBeUndefined();
    expect(locate("file:///opt/gomodcache/../../etc/x.go", "file:///work/src", inLesson)).toBeUndefined();
    expect(locate("file:///opt/gomodcache/a/%2e%2e/%2e%2e/x.go", "file:///work/src", inLesson)).toBeUndefined();
    expect(isReadableSource("/usr/local/go/src/net/http/server.go")).toBe(true);
    expect(isReadableSource("/usr/local/go/src/net/http/")).toBe(false);
    const r = { start: { line: 1, character: 2 }, end: { line: 1, character: 5 } };
    expect(locations([{ uri: "file:///proc/self/environ", range: r }], "file:///work/src", inLesson)).toEqual([]);
  });

  it("cuts completion lists down to the fields shown, and bounds them", () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ label: `x${i}`, kind: 3, data: { secret: 1 } }));
    const list = completion({ isIncomplete: true, items });
    expect(list.items.length).toBe(300);
    expect(list.items[0]).not.toHaveProperty("data");
    expect(completion(null)).toEqual({ isIncomplete: false, items: [] });
  });

  it("reads an organize-imports edit of one document from either WorkspaceEdit shape", () => {
    const edit = { range: { start: { line: 2, character: 0 }, end: { line: 3, character: 0 } }, newText: "" };
    const uri = "file:///work/src/main.go";
    expect(codeActionEdits({ changes: { [uri]: [edit] } }, uri)).toEqual([edit]);
    expect(codeActionEdits({ documentChanges: [{ textDocument: { uri, version: 3 }, edits: [edit] }] }, uri)).toEqual([
      edit,
    ]);
    expect(
      codeActionEdits({ documentChanges: [{ textDocument: { uri: "file:///x.go" }, edits: [edit] }] }, uri),
    ).toEqual([]);
  });

  it("takes a rename whole when it edits only lesson files, and refuses it whole otherwise", () => {
    const r = { start: { line: 4, character: 5 }, end: { line: 4, character: 9 } };
    const edit = { range: r, newText: "next" };
    const ws = "file:///work/src";
    const both = (p: string) => p === "a/main.go" || p === "a/util.go";
    expect(
      renameEdits({ changes: { [`${ws}/a/main.go`]: [edit], [`${ws}/a/util.go`]: [edit, edit] } }, ws, both),
    ).toEqual([
      { path: "a/main.go", edits: [edit] },
      { path: "a/util.go", edits: [edit, edit] },
    ]);
    expect(
      renameEdits(
        { documentChanges: [{ textDocument: { uri: `${ws}/a/main.go`, version: 2 }, edits: [edit] }] },
        ws,
        both,
      ),
    ).toEqual([{ path: "a/main.go", edits: [edit] }]);
    // One file of a module's source among them: nothing of it is applied.
    expect(
      renameEdits({ changes: { [`${ws}/a/main.go`]: [edit], "file:///opt/gomodcache/x@v1/x.go": [edit] } }, ws, both),
    ).toEqual({ refused: "it would change files outside this lesson" });
    // A file operation (a package renamed with its folder) is not an edit of the lesson's text.
    expect(renameEdits({ documentChanges: [{ kind: "rename", oldUri: "a", newUri: "b" }] }, ws, both)).toEqual({
      refused: "it would create, move or delete files",
    });
    expect(renameEdits(null, ws, both)).toEqual([]);
  });

  it("names a read-only source's tab by its file and its module or package", () => {
    expect(sourceLabel("/opt/gomodcache/google.golang.org/grpc@v1.77.0/server.go")).toBe("server.go · grpc@v1.77.0");
    expect(sourceLabel("/opt/gomodcache/github.com/go-kit/kit@v0.13.0/transport/http/server.go")).toBe(
      "server.go · kit@v0.13.0",
    );
    expect(sourceLabel("/usr/local/go/src/net/http/server.go")).toBe("server.go · net/http");
  });
});
