import { describe, expect, it } from "vitest";
import { parseGoDiagnostics } from "../../sandbox/diagnostics";

describe("go build output → editor markers", () => {
  it("maps positions to lesson-relative files", () => {
    const out = [
      "# playground/monolith",
      "./main.go:12:2: undefined: handleUsrs",
      "./handlers.go:7:15: cannot use 1 (untyped int constant) as string value in argument to fmt.Println",
    ].join("\n");
    expect(parseGoDiagnostics(out, "monolith", "services/monolith")).toEqual([
      { service: "monolith", file: "services/monolith/main.go", line: 12, column: 2, message: "undefined: handleUsrs" },
      {
        service: "monolith",
        file: "services/monolith/handlers.go",
        line: 7,
        column: 15,
        message: "cannot use 1 (untyped int constant) as string value in argument to fmt.Println",
      },
    ]);
  });

  it("joins indented continuation lines to the message before them", () => {
    const out = "./main.go:5:2: too many errors:\n\thave (string)\n\twant (int)\n";
    const [d] = parseGoDiagnostics(out, "s", "services/s");
    expect(d.message).toBe("too many errors:\nhave (string)\nwant (int)");
  });

  it("handles go.mod errors with absolute paths and no column", () => {
    const out = "go: errors parsing go.mod:\n/work/src/services/s/go.mod:3: unknown directive: gooo";
    expect(parseGoDiagnostics(out, "s", "services/s")).toEqual([
      { service: "s", file: "services/s/go.mod", line: 3, column: 1, message: "unknown directive: gooo" },
    ]);
  });

  it("resolves files outside the service folder (a shared package)", () => {
    const [d] = parseGoDiagnostics("../shared/x.go:1:1: expected 'package', found 'EOF'", "s", "services/s");
    expect(d.file).toBe("services/shared/x.go");
  });

  it("ignores lines that are not positions", () => {
    expect(parseGoDiagnostics("# pkg\ngo: downloading nothing\n", "s", "services/s")).toEqual([]);
  });
});
