import { describe, expect, it } from "vitest";
import { packFiles, validateFiles, validateLessonPath } from "../../sandbox/files";
import { SandboxError } from "../../sandbox/errors";
import { extract } from "tar-stream";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof SandboxError ? err.code : "OTHER";
  }
  return undefined;
}

describe("lesson paths", () => {
  it("accepts plain relative paths", () => {
    expect(validateLessonPath("services/api/main.go")).toBe("services/api/main.go");
    expect(validateLessonPath("config.yaml")).toBe("config.yaml");
  });

  it.each(["../x", "services/../../etc/passwd", "/etc/passwd", "C:/x", "a\\b", "a//b", "./a", "", "a/ b", "a/$(x)"])(
    "rejects %j",
    (p) => {
      expect(codeOf(() => validateLessonPath(p))).toBe("BAD_PATH");
    },
  );
});

describe("file sets", () => {
  it("rejects a file over 256 KiB and names it", () => {
    const big = "x".repeat(256 * 1024 + 1);
    expect(codeOf(() => validateFiles({ "a.go": big }))).toBe("FILE_TOO_LARGE");
    expect(() => validateFiles({ "a.go": big })).toThrow(/a\.go is 257 KiB/);
  });

  it("accepts exactly 256 KiB", () => {
    expect(validateFiles({ "a.go": "x".repeat(256 * 1024) })).toHaveProperty("a.go");
  });

  it("rejects more than 50 files", () => {
    const files = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`f${i}.go`, "package main"]));
    expect(codeOf(() => validateFiles(files))).toBe("TOO_MANY_FILES");
  });

  it("rejects invalid UTF-8 bytes and lone surrogates", () => {
    expect(codeOf(() => validateFiles({ "a.go": new Uint8Array([0x66, 0xff, 0xfe]) }))).toBe("INVALID_UTF8");
    expect(codeOf(() => validateFiles({ "a.go": "ok \ud800 broken" }))).toBe("INVALID_UTF8");
  });

  it("decodes valid UTF-8 bytes", () => {
    expect(validateFiles({ "a.go": new TextEncoder().encode("用户服务") })["a.go"]).toBe("用户服务");
  });

  it("rejects non-objects and non-text contents", () => {
    expect(codeOf(() => validateFiles(null))).toBe("BAD_REQUEST");
    expect(codeOf(() => validateFiles(["a"]))).toBe("BAD_REQUEST");
    expect(codeOf(() => validateFiles({ "a.go": 42 }))).toBe("BAD_REQUEST");
  });

  it("packs files with their folders, owned by the sandbox user", async () => {
    const tar = await packFiles({ "services/a/main.go": "package main\n", "services/a/go.mod": "module a\n" });
    const seen: { name: string; uid?: number; body: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      const ex = extract();
      ex.on("entry", (header, stream, next) => {
        const chunks: Buffer[] = [];
        stream.on("data", (c) => chunks.push(c as Buffer));
        stream.on("end", () => {
          seen.push({ name: header.name, uid: header.uid, body: Buffer.concat(chunks).toString() });
          next();
        });
      });
      ex.on("finish", resolve);
      ex.on("error", reject);
      ex.end(tar);
    });
    expect(seen.map((e) => e.name)).toEqual(["services/", "services/a/", "services/a/go.mod", "services/a/main.go"]);
    expect(seen.every((e) => e.uid === 1000)).toBe(true);
    expect(seen.find((e) => e.name.endsWith("main.go"))?.body).toBe("package main\n");
  });
});
