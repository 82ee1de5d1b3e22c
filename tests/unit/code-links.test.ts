// From output to code: which file:line texts in a service's output become links, and to where.
import { describe, expect, it } from "vitest";
import { findCodeLinks, spanCodeLink } from "@/lib/client/code-links";
import type { AttributeValue } from "@/sandbox/types";

const files = new Set(["services/monolith/main.go", "services/monolith/users.go", "services/api/proto/user.proto"]);
const has = (p: string) => files.has(p);

describe("links from output to code", () => {
  it("reads the compiler's paths relative to the service's folder", () => {
    const line = "./main.go:42:9: undefined: userNames";
    expect(findCodeLinks(line, "services/monolith", has)).toEqual([
      { start: 0, end: 14, path: "services/monolith/main.go", line: 42, column: 9 },
    ]);
  });

  it("reads a panic's stack, whose paths are the container's", () => {
    const line = "\t/work/src/services/monolith/users.go:17 +0x1d";
    const [link] = findCodeLinks(line, "services/other", has);
    expect(link).toMatchObject({ path: "services/monolith/users.go", line: 17, column: 1 });
    expect(line.slice(link.start, link.end)).toBe("/work/src/services/monolith/users.go:17");
  });

  it("leaves alone files the lesson does not have, URLs, and paths of the Go toolchain", () => {
    expect(findCodeLinks("main.go:3 and other.go:4", "services/monolith", has).map((l) => l.path)).toEqual([
      "services/monolith/main.go",
    ]);
    expect(findCodeLinks("see http://x/main.go:3", "services/monolith", has)).toEqual([]);
    expect(findCodeLinks("/usr/local/go/src/net/http/server.go:2166 +0x29", "services/monolith", has)).toEqual([]);
    expect(findCodeLinks("main.go:3", undefined, has)).toEqual([]);
  });
});

describe("a span's code attributes as a link", () => {
  const backend = new Set(["services/backend/main.go", "services/backend/tracing.go"]);
  const inBackend = (p: string) => backend.has(p);

  it("reads the current semantic conventions, with the container's path that runtime.Caller gives", () => {
    const attributes = {
      "code.file.path": "/work/src/services/backend/main.go",
      "code.line.number": 103,
      "code.function.name": "main.lookup",
    };
    expect(spanCodeLink(attributes, "services/backend", inBackend)).toEqual({
      path: "services/backend/main.go",
      line: 103,
      column: 1,
      function: "main.lookup",
    });
  });

  it("reads the older names too, and a line sent as text (OTLP/JSON's 64-bit integers)", () => {
    const attributes = { "code.filepath": "main.go", "code.lineno": "42", "code.function": "lookup", "code.column": 7 };
    expect(spanCodeLink(attributes, "services/backend", inBackend)).toEqual({
      path: "services/backend/main.go",
      line: 42,
      column: 7,
      function: "lookup",
    });
  });

  it("prefers the current names when a span carries both", () => {
    const attributes = {
      "code.file.path": "/work/src/services/backend/tracing.go",
      "code.filepath": "/work/src/services/backend/main.go",
      "code.line.number": 5,
      "code.lineno": 9,
    };
    expect(spanCodeLink(attributes, undefined, inBackend)).toMatchObject({
      path: "services/backend/tracing.go",
      line: 5,
    });
  });

  it("finds a file of a service built with -trimpath (module path, then the file)", () => {
    const attributes = { "code.file.path": "playground/tracing/backend/main.go", "code.line.number": 12 };
    expect(spanCodeLink(attributes, "services/backend", inBackend)).toMatchObject({
      path: "services/backend/main.go",
      line: 12,
    });
  });

  it("gives nothing for files the lesson does not have, missing or nonsense lines, or other types", () => {
    const at = (attributes: Record<string, AttributeValue>) => spanCodeLink(attributes, "services/backend", inBackend);
    expect(at({ "code.file.path": "/usr/local/go/src/net/http/server.go", "code.line.number": 2166 })).toBeUndefined();
    expect(at({ "code.file.path": "/work/src/services/other/main.go", "code.line.number": 3 })).toBeUndefined();
    expect(at({ "code.file.path": "/work/src/services/backend/main.go" })).toBeUndefined();
    expect(at({ "code.file.path": "/work/src/services/backend/main.go", "code.line.number": 0 })).toBeUndefined();
    expect(at({ "code.file.path": "/work/src/services/backend/main.go", "code.line.number": 2.5 })).toBeUndefined();
    expect(at({ "code.file.path": "/work/src/services/backend/main.go", "code.line.number": "12abc" })).toBeUndefined();
    expect(at({ "code.file.path": ["main.go"], "code.line.number": 3 })).toBeUndefined();
    expect(at({})).toBeUndefined();
  });
});
