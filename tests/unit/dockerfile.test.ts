import { describe, expect, it } from "vitest";
import {
  BuildOutputTracker,
  checkDockerfile,
  dockerfileDiagnostics,
  dockerignoreMatcher,
  instructions,
  normalizeImage,
} from "../../sandbox/dockerfile";
import { buildContext, formatBytes } from "../../sandbox/dockerfile-build";

const LOCAL = ["golang:1.26", "busybox:1.35"];

describe("Dockerfile instructions", () => {
  it("joins continuations, drops comments and keeps the starting line", () => {
    const list = instructions("# c\nFROM golang:1.26 AS build\n\nRUN a \\\n  && b\ncopy . .\n");
    expect(list).toEqual([
      { keyword: "FROM", args: "golang:1.26 AS build", line: 2 },
      { keyword: "RUN", args: "a && b", line: 4 },
      { keyword: "COPY", args: ". .", line: 6 },
    ]);
  });

  it("normalizes registry names", () => {
    expect(normalizeImage("docker.io/library/golang:1.26")).toBe("golang:1.26");
    expect(normalizeImage("Alpine")).toBe("alpine:latest");
    expect(normalizeImage("localhost:5000/x")).toBe("localhost:5000/x:latest");
  });
});

describe("base image check (nothing is ever pulled)", () => {
  it("accepts local stand-ins, scratch and earlier stages", () => {
    const text = [
      "FROM --platform=linux/amd64 golang:1.26 AS build",
      "FROM build AS test",
      "FROM scratch",
      "COPY --from=build /out/x /x",
      "COPY --from=0 /a /a",
      "FROM docker.io/library/busybox:1.35",
    ].join("\n");
    const { problems, stages } = checkDockerfile(text, LOCAL);
    expect(problems).toEqual([]);
    expect(stages.map((s) => [s.name, s.base])).toEqual([
      ["build", "golang:1.26"],
      ["test", "build"],
      [undefined, "scratch"],
      [undefined, "docker.io/library/busybox:1.35"],
    ]);
  });

  it("names the line and the images that can be used instead", () => {
    const { problems } = checkDockerfile("FROM golang:1.26 AS b\nFROM alpine:3.20\n", LOCAL);
    expect(problems).toHaveLength(1);
    expect(problems[0].line).toBe(2);
    expect(problems[0].message).toMatch(/"alpine:3.20" is not available here/);
    expect(problems[0].message).toContain("golang:1.26, busybox:1.35, scratch");
  });

  it("refuses variables in FROM, COPY --from an image, ADD from a URL, and a file without FROM", () => {
    expect(checkDockerfile("ARG V=1.26\nFROM golang:${V}\n", LOCAL).problems[0].message).toMatch(/variable/);
    expect(checkDockerfile("FROM scratch\nCOPY --from=nginx:1 /a /a\n", LOCAL).problems[0].line).toBe(2);
    expect(checkDockerfile("FROM scratch\nADD https://example.com/x /x\n", LOCAL).problems[0].message).toMatch(/URL/);
    expect(checkDockerfile("FROM scratch\nADD x.tar /x/\n", LOCAL).problems).toEqual([]);
    expect(checkDockerfile("# nothing\n", LOCAL).problems[0].message).toMatch(/no FROM/);
  });
});

describe(".dockerignore", () => {
  it("excludes by pattern, folder and **, with ! exceptions and the last match winning", () => {
    const ignored = dockerignoreMatcher("# comment\n*_test.go\n.git\ndocs/\n**/*.md\n!keep.md\n");
    expect(ignored("main_test.go")).toBe(true);
    expect(ignored("main.go")).toBe(false);
    expect(ignored(".git/config")).toBe(true);
    expect(ignored("docs/a.txt")).toBe(true);
    expect(ignored("a/b/README.md")).toBe(true);
    expect(ignored("keep.md")).toBe(false);
    expect(ignored("pkg/x_test.go")).toBe(false); // `*` does not cross folders
  });

  it("builds the context from the service folder only, keeping the Dockerfile even if ignored", () => {
    const files = {
      "services/a/Dockerfile": "FROM scratch",
      "services/a/.dockerignore": "Dockerfile\n*_test.go\n",
      "services/a/main.go": "package main",
      "services/a/main_test.go": "package main",
      "services/b/main.go": "package main",
      "lesson-notes.md": "x",
    };
    expect(Object.keys(buildContext(files, "services/a", "Dockerfile")).sort()).toEqual([
      ".dockerignore",
      "Dockerfile",
      "main.go",
    ]);
  });
});

describe("build output", () => {
  it("tracks each stage's base and committed images", () => {
    const t = new BuildOutputTracker();
    const out = [
      "Step 1/6 : FROM golang:1.26 AS build",
      " ---> 5b0d61a963d6",
      "Step 2/6 : RUN go build",
      " ---> Running in 695b4b19112e",
      "Removing intermediate container 695b4b19112e",
      " ---> a29a7717489c",
      "Step 3/6 : FROM scratch",
      " ---> ",
      "Step 4/6 : COPY --from=build /out/x /x",
      " ---> 623e7c8deef7",
      "Step 5/6 : LABEL a=b",
      " ---> baafc70b4e84",
      "",
    ].join("\n");
    // Chunks may split lines anywhere.
    t.push(out.slice(0, 50));
    t.push(out.slice(50));
    expect(t.stages).toEqual([
      { name: "build", base: "golang:1.26", baseId: "5b0d61a963d6", ids: ["a29a7717489c"] },
      { name: undefined, base: "scratch", ids: ["623e7c8deef7", "baafc70b4e84"] },
    ]);
    expect(t.committedIds()).toEqual(["baafc70b4e84", "623e7c8deef7", "a29a7717489c"]);
  });

  it("turns build errors into markers on the Dockerfile", () => {
    const file = "services/a/Dockerfile";
    expect(dockerfileDiagnostics(`${file}:2: "alpine" is not available here`, "a", file)).toEqual([
      { service: "a", file, line: 2, column: 1, message: '"alpine" is not available here' },
    ]);
    expect(dockerfileDiagnostics("dockerfile parse error line 7: unknown instruction: FORM", "a", file)).toEqual([
      { service: "a", file, line: 7, column: 1, message: "unknown instruction: FORM" },
    ]);
    expect(dockerfileDiagnostics("The command '/bin/sh -c false' returned a non-zero code: 1", "a", file)).toEqual([]);
  });

  it("formats sizes as docker image ls does", () => {
    expect(formatBytes(6_021_282)).toBe("6.0 MB");
    expect(formatBytes(1_140_000_000)).toBe("1.14 GB");
    expect(formatBytes(250_000_000)).toBe("250 MB");
  });
});
