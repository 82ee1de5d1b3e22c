import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  BuildOutputTracker,
  checkDockerfile,
  dockerfileDiagnostics,
  dockerignoreMatcher,
  DockerignoreError,
  instructions,
  looksLikeArchive,
  normalizeImage,
} from "../../sandbox/dockerfile";
import {
  buildContext,
  builtImageTag,
  decideRunAs,
  formatBytes,
  ImageBuildError,
  NON_ROOT_FALLBACK,
} from "../../sandbox/dockerfile-build";
import { MAX_DOCKERIGNORE_PATTERN_CHARS, MAX_DOCKERIGNORE_PATTERNS } from "../../sandbox/limits";

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

  it("notices steps that are not the checked instructions, and the RUN step's container", () => {
    const t = new BuildOutputTracker(["FROM", "RUN", "LABEL"]);
    t.push("Step 1/3 : FROM golang:1.26\n ---> 5b0d61a963d6\nStep 2/3 : RUN true\n ---> Running in 695b4b19112e\n");
    expect(t.running).toBe("695b4b19112e");
    expect(t.mismatch).toBeUndefined();
    t.push("Removing intermediate container 695b4b19112e\n");
    expect(t.running).toBeUndefined();
    const hidden = new BuildOutputTracker(["FROM", "RUN"]);
    hidden.push("Step 1/3 : FROM golang:1.26\n");
    expect(hidden.mismatch).toMatch(/step 1 of 3/);
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

/** The first problem of a Dockerfile, as "<line>: <message>". */
function refusal(text: string, context?: Record<string, string>): string | undefined {
  const p = checkDockerfile(text, LOCAL, { context, platform: "linux/amd64" }).problems[0];
  return p && `${p.line}: ${p.message}`;
}

describe("Dockerfile check: nothing reaches past the sandbox", () => {
  const refused: [string, string, RegExp][] = [
    ["ADD of a URL, JSON form", 'FROM scratch\nADD ["http://127.0.0.1:3000/", "/x"]\n', /^2: ADD .*no URL/],
    ["ADD of a URL with flags", "FROM scratch\nADD --chown=1:1 https://127.0.0.1/x /x\n", /^2: ADD .*no URL/],
    ["ADD --checksum", "FROM scratch\nADD --checksum=sha256:00 https://127.0.0.1/x /x\n", /^2: ADD --checksum/],
    ["ADD of git@", "FROM scratch\nADD git@127.0.0.1:a/b.git /src\n", /^2: ADD .*git/],
    ["ADD of a quoted URL", 'FROM scratch\nADD "http://127.0.0.1/x" /x\n', /^2: ADD .*URL/],
    ["ADD of an escaped URL", "FROM scratch\nADD http\\://127.0.0.1/x /x\n", /^2: ADD .*URL/],
    ["ADD of a variable", "FROM scratch\nARG U=http://127.0.0.1/\nADD ${U} /x\n", /^3: ADD .*variable/],
    ["lowercase add of a URL", "from scratch\nadd http://127.0.0.1/x /x\n", /^2: ADD .*URL/],
    ["ADD of a heredoc", "FROM scratch\nADD <<EOF /x\nFROM evil.example/x\nEOF\n", /^2: ADD with a heredoc/],
    ["RUN heredoc hiding a FROM", "FROM golang:1.26\nRUN <<EOF\nFROM evil.example/x\nEOF\n", /^2: RUN with a heredoc/],
    [
      "a backtick escape: the `\\` continuation the old reader saw hides nothing, the FROM is read",
      "# escape=`\nFROM golang:1.26\nRUN echo hi \\\nFROM registry.example/x\n",
      /^4: base image "registry.example\/x" is not available/,
    ],
    [
      "a backtick continuation hiding a FROM from a `\\` reader",
      "#escape=`\nFROM golang:1.26\nRUN echo `\nFROM registry.example/x\nUSER 0\n",
      /^5: USER 0 is root/,
    ],
    [
      "a `\\` continuation carrying a FROM into RUN, then a real one",
      "FROM golang:1.26\nRUN echo \\\n# c\nFROM registry.example/x\nFROM registry.example/y\n",
      /^5: base image "registry.example\/y"/,
    ],
    ["FROM of another platform", "FROM --platform=linux/arm64 golang:1.26\n", /^1: FROM --platform=linux\/arm64/],
    ["FROM with a variable platform", "FROM --platform=$BUILDPLATFORM golang:1.26\n", /^1: FROM --platform/],
    ["FROM of a registry image", "FROM registry.example/x:1\n", /^1: base image .* not available/],
    ["FROM of a digest", "FROM golang@sha256:0000\n", /^1: base image .* not available/],
    ["FROM with a variable", "ARG V=1.26\nFROM golang:${V}\n", /^2: base image .*variable/],
    ["COPY --from a registry image", "FROM scratch\nCOPY --from=registry.example/img /a /a\n", /^2: COPY --from image/],
    [
      "COPY --from a variable",
      "FROM scratch\nCOPY --from=$VAR /a /a\n",
      /^2: COPY --from image "\$VAR" uses a variable/,
    ],
    ["COPY --from a later stage", "FROM scratch\nCOPY --from=1 /a /a\nFROM scratch\n", /^2: COPY --from image "1"/],
    ["COPY --chmod (BuildKit)", "FROM scratch\nCOPY --chmod=777 a /a\n", /^2: COPY --chmod/],
    [
      "RUN --mount",
      "FROM golang:1.26\nRUN --mount=type=cache,target=/root/.cache go build\n",
      /^2: RUN --mount .*mounts/,
    ],
    ["RUN --network=host", "FROM golang:1.26\nRUN --network=host true\n", /^2: RUN --network .*network/],
    ["RUN --security=insecure", "FROM golang:1.26\nRUN --security=insecure true\n", /^2: RUN --security/],
    ["USER 00", "FROM scratch\nUSER 00\n", /^2: USER 00 is root/],
    ["USER +0", "FROM scratch\nUSER +0\n", /^2: USER \+0 is root/],
    ["USER 0:0", "FROM scratch\nUSER 0:0\n", /^2: USER 0:0 is root/],
    ["USER root", "FROM scratch\nuser root\n", /^2: USER root is root/],
    ["USER :1000 (no user is uid 0)", "FROM scratch\nUSER :1000\n", /^2: USER :1000 is root/],
    ["USER in root's group", "FROM scratch\nUSER 1000:0\n", /^2: USER 1000:0 names root's group/],
    ["USER ${X}", "FROM scratch\nARG X=0\nUSER ${X}\n", /^3: USER .*variable/],
    ["# syntax=", "# syntax=docker/dockerfile:1\nFROM scratch\n", /^1: the parser directive "# syntax="/],
    ["ONBUILD", "FROM scratch\nONBUILD ADD http://127.0.0.1/ /x\n", /^2: ONBUILD is not allowed/],
    ["VOLUME", "FROM scratch\nVOLUME /data\n", /^2: VOLUME is not allowed/],
    ["an unknown instruction", "FROM scratch\nFORM scratch\n", /^2: unknown instruction: FORM/],
  ];
  it.each(refused)("refuses %s", (_name, text, expected) => {
    expect(refusal(text)).toMatch(expected);
  });

  it("refuses ADD when the context holds an archive the engine would unpack", () => {
    const tar = Buffer.alloc(1024);
    tar.write("bomb", 0);
    tar.write("0000644\0", 100);
    tar.write("00000000000\0", 124);
    tar.write("ustar\0", 257);
    tar.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of tar.subarray(0, 512)) sum += b;
    tar.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
    expect(looksLikeArchive(tar)).toBe(true);
    expect(looksLikeArchive(Buffer.from("BZh91AY&SY"))).toBe(true);
    expect(looksLikeArchive(Buffer.from("package main\n".repeat(100)))).toBe(false);
    // A lesson file is text, but a tar header is ASCII: a learner can type one (and declare a huge sparse file in it).
    const context = { "x.tar": tar.toString("latin1"), "main.go": "package main" };
    expect(refusal("FROM scratch\nADD x.tar /x/\n", context)).toMatch(/^2: ADD would unpack "x.tar"/);
    expect(refusal("FROM scratch\nCOPY x.tar /x/\n", context)).toBeUndefined();
  });

  it("passes the lessons' own Dockerfiles, and the usual forms", () => {
    for (const file of [
      "lessons/09-docker/services/user-service/Dockerfile",
      "lessons/10-kubernetes/services/web/Dockerfile",
    ]) {
      expect(checkDockerfile(readFileSync(file, "utf8"), LOCAL).problems).toEqual([]);
    }
    const usual = [
      "# escape=`",
      "ARG GO=1",
      "FROM --platform=linux/amd64 golang:1.26 AS build",
      "WORKDIR /src",
      "COPY --chown=65532:65532 go.mod ./",
      'RUN ["go", "env"]',
      "RUN go build `",
      "  -o /out/x .",
      "FROM busybox:1.35",
      "COPY --from=build /out/x /x",
      "ADD notes.txt /notes.txt",
      "HEALTHCHECK --interval=5s CMD /x -health",
      "USER nonroot:nonroot",
      'ENTRYPOINT ["/x"]',
    ].join("\n");
    expect(checkDockerfile(usual, LOCAL, { platform: "linux/amd64" }).problems).toEqual([]);
  });

  it("lists the keywords the engine must print as its steps", () => {
    const { keywords } = checkDockerfile("ARG A=1\nFROM golang:1.26\n# c\nrun a \\\n b\nUSER 1:1\n", LOCAL);
    expect(keywords).toEqual(["ARG", "FROM", "RUN", "USER"]);
  });
});

describe("who a built image runs as", () => {
  const passwd = "root:x:0:0:root:/root:/bin/sh\ntoor:x:0:0::/:/bin/sh\nnonroot:x:65532:65532::/:\nodd:x:abc:1::/:\n";
  const group = "root:x:0:\nnonroot:x:65532:\nstaff:x:50:\n";
  // [USER, /etc/passwd, runs as, with a notice saying why it is not the image's own]
  const cases: [string, string | undefined, string, boolean][] = [
    ["", undefined, NON_ROOT_FALLBACK, true],
    ["65532:65532", undefined, "65532:65532", false],
    ["1000", undefined, NON_ROOT_FALLBACK, true], // gid 0 when the image has no passwd entry
    ["1000:1000", undefined, "1000:1000", false],
    ["0", passwd, NON_ROOT_FALLBACK, true],
    ["00", passwd, NON_ROOT_FALLBACK, true],
    ["0:0", passwd, NON_ROOT_FALLBACK, true],
    ["-0:5", passwd, NON_ROOT_FALLBACK, true],
    ["root", passwd, NON_ROOT_FALLBACK, true],
    ["toor", passwd, NON_ROOT_FALLBACK, true], // another name for uid 0
    ["odd", passwd, NON_ROOT_FALLBACK, true], // a uid that does not parse is 0 to runc
    ["nonroot", passwd, "65532:65532", false],
    ["nonroot:staff", passwd, "65532:50", false],
    ["nonroot:root", passwd, NON_ROOT_FALLBACK, true],
    ["65532", passwd, "65532:65532", false],
    ["nobody", passwd, NON_ROOT_FALLBACK, true], // not in the image: unknown
    ["nonroot", undefined, NON_ROOT_FALLBACK, true],
  ];
  it.each(cases)("USER %j with passwd %#", (user, file, expected, notice) => {
    const runAs = decideRunAs(user, file, group);
    expect(runAs.user).toBe(expected);
    expect(runAs.notice !== undefined).toBe(notice);
  });

  it("names a run's image tag in one way", () => {
    expect(builtImageTag("docker", "user-service", "abc123")).toBe("playground-build/docker-user-service:abc123");
    expect(builtImageTag("kubernetes", "playground/web:1.0", "r1")).toBe(
      "playground-build/kubernetes-playground-web-1-0:r1",
    );
  });
});

describe(".dockerignore in linear time", () => {
  it("matches ten and more **/ against a deep path in well under 100 ms", () => {
    const deep = `${Array.from({ length: 60 }, (_, i) => `d${i}`).join("/")}/x.txt`;
    const patterns = [
      "**/".repeat(12) + "y",
      "**/d1/**/d2/**/d3/**/d4/**/d5/**/d6/**/d7/**/d8/**/zz",
      `${"*/".repeat(40)}q`,
    ];
    const ignored = dockerignoreMatcher(patterns.join("\n"));
    const started = performance.now();
    expect(ignored(deep)).toBe(false);
    const ms = performance.now() - started;
    expect(ms).toBeLessThan(100);
    expect(dockerignoreMatcher("**/".repeat(12) + "x.txt")(deep)).toBe(true);
  });

  it("follows Docker's rules: ** (also zero folders), ?, classes, escapes, folders and exceptions inside them", () => {
    const ignored = dockerignoreMatcher(
      "**/node_modules\nbuild/**\n!build/keep.go\nfile?.go\n[ab].txt\n\\*.md\n/abs\n",
    );
    expect(ignored("node_modules/x.js")).toBe(true);
    expect(ignored("a/b/node_modules/x.js")).toBe(true);
    expect(ignored("build/out/x")).toBe(true);
    expect(ignored("build/keep.go")).toBe(false);
    expect(ignored("file1.go")).toBe(true);
    expect(ignored("file10.go")).toBe(false);
    expect(ignored("a.txt")).toBe(true);
    expect(ignored("c.txt")).toBe(false);
    expect(ignored("*.md")).toBe(true);
    expect(ignored("x.md")).toBe(false);
    expect(ignored("abs")).toBe(true);
    expect(ignored("abs/x")).toBe(true);
    expect(ignored("absx")).toBe(false);
    expect(dockerignoreMatcher("a")("ab")).toBe(false);
    expect(dockerignoreMatcher("a/b")("a/b/c/d")).toBe(true);
    expect(dockerignoreMatcher("a/b")("a/bc/d")).toBe(false);
    expect(dockerignoreMatcher("**")("a/b")).toBe(true);
  });

  it("caps the number and length of patterns, and names the line", () => {
    const many = Array.from({ length: MAX_DOCKERIGNORE_PATTERNS + 1 }, (_, i) => `f${i}`).join("\n");
    expect(() => dockerignoreMatcher(many)).toThrow(DockerignoreError);
    expect(() => dockerignoreMatcher(many)).toThrow(/at most 100 patterns/);
    const long = `ok\n${"a".repeat(MAX_DOCKERIGNORE_PATTERN_CHARS + 1)}\n`;
    expect(() => dockerignoreMatcher(long)).toThrow(expect.objectContaining({ line: 2 }));
    expect(() => dockerignoreMatcher("[abc\n")).toThrow(/without its "]"/);
    const files = { "s/Dockerfile": "FROM scratch", "s/.dockerignore": many };
    expect(() => buildContext(files, "s", "Dockerfile")).toThrow(ImageBuildError);
    expect(() => buildContext(files, "s", "Dockerfile")).toThrow(/^s\/\.dockerignore:101: /);
  });
});
