// From output to code: which file:line texts in a service's output become links, and to where.
import { describe, expect, it } from "vitest";
import { findCodeLinks } from "@/lib/client/code-links";

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
