// Small pure helpers of the web front: editor tabs, response formatting, header lines.
import { describe, expect, it } from "vitest";
import { languageOf, tabLabels, tabOrder } from "@/lib/client/files";
import { formatBody, formatBytes, statusTone } from "@/lib/client/http";
import { parseHeaderLines } from "@/lib/shared/socket-protocol";

describe("editor tabs", () => {
  it("puts openFiles first, then the rest alphabetically, ignoring unknown or repeated names", () => {
    const paths = ["z.yaml", "services/b/main.go", "services/a/main.go", "Dockerfile"];
    expect(tabOrder(paths, ["services/b/main.go", "missing.go", "services/b/main.go"])).toEqual([
      "services/b/main.go",
      "Dockerfile",
      "services/a/main.go",
      "z.yaml",
    ]);
  });

  it("labels tabs with the shortest distinguishing suffix", () => {
    expect(tabLabels(["services/a/main.go", "services/b/main.go", "services/a/go.mod", "k8s/x/main.go"])).toEqual({
      "services/a/main.go": "a/main.go",
      "services/b/main.go": "b/main.go",
      "services/a/go.mod": "go.mod",
      "k8s/x/main.go": "x/main.go",
    });
  });

  it("maps files to Monaco languages", () => {
    expect(languageOf("services/a/main.go")).toBe("go");
    expect(languageOf("k8s/deploy.yml")).toBe("yaml");
    expect(languageOf("services/a/Dockerfile")).toBe("dockerfile");
    expect(languageOf("proto/user.proto")).toBe("proto");
    expect(languageOf("services/a/go.mod")).toBe("plaintext");
  });
});

describe("responses", () => {
  it("pretty-prints JSON by content type or shape, and leaves other text alone", () => {
    expect(formatBody('{"a":1}', { "Content-Type": "application/json" })).toEqual({
      text: '{\n  "a": 1\n}',
      json: true,
    });
    expect(formatBody("[1]", {})).toEqual({ text: "[\n  1\n]", json: true });
    expect(formatBody("{broken", { "content-type": "application/json" })).toEqual({ text: "{broken", json: false });
    expect(formatBody("hello", { "content-type": "text/plain" })).toEqual({ text: "hello", json: false });
  });

  it("names status classes and sizes", () => {
    expect([200, 301, 404, 503, 101].map(statusTone)).toEqual([
      "ok",
      "redirect",
      "client-error",
      "server-error",
      "info",
    ]);
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(2048)).toBe("2.0 KiB");
  });

  it("parses header lines and names the bad one", () => {
    expect(parseHeaderLines("Content-Type: application/json\n\nX-Id:  7 ")).toEqual({
      headers: { "Content-Type": "application/json", "X-Id": "7" },
    });
    expect(parseHeaderLines("ok: 1\nno colon")).toEqual({ error: 'line 2: expected "Name: value"' });
    expect(parseHeaderLines("bad name: 1")).toEqual({ error: 'line 1: "bad name" is not a header name' });
  });
});
