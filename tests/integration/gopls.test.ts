// gopls against the real engine and the real image: a learner's gopls answers completion, hover and definition for
// the modules the lessons use, diagnoses what is typed (not run), lives in a container without any network, only
// takes the lesson's own Go files, and comes back by itself after idling out.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureImage, GoplsPool, type GoplsDiagnostic, type GoplsSession } from "../../sandbox/index";
import { loadLesson } from "../../lib/server/lessons";
import { engine } from "./helpers";

const IDLE_MS = 4_000;
/** A file of the go-kit service of 16.2 (the lesson has two go-micro modules beside it). */
const KIT = "services/string-service/endpoint.go";
const pool = new GoplsPool({ idleMs: IDLE_MS });

beforeAll(async () => {
  await ensureImage((line) => console.log(`[image] ${line}`));
});
afterAll(async () => {
  await pool.closeAll();
});

interface Opened {
  session: GoplsSession;
  files: Record<string, string>;
  diagnostics: Map<string, GoplsDiagnostic[]>;
}

async function open(owner: string, slug: string, focus: string): Promise<Opened> {
  const lesson = await loadLesson(slug);
  const files = Object.fromEntries(Object.entries(lesson.files).filter(([p]) => /(\.go|go\.mod|go\.sum)$/.test(p)));
  const session = await pool.session(owner, slug);
  const diagnostics = new Map<string, GoplsDiagnostic[]>();
  await session.open(files, { diagnostics: (path, list) => diagnostics.set(path, list) }, focus);
  return { session, files, diagnostics };
}

/** The 0-based position of `needle` in a file (plus `offset` characters). */
function at(text: string, needle: string, offset = 0): { line: number; character: number } {
  const lines = text.split("\n");
  const line = lines.findIndex((l) => l.includes(needle));
  if (line < 0) throw new Error(`${needle} is not in the file`);
  return { line, character: lines[line].indexOf(needle) + offset };
}

const labels = (result: unknown) => (result as { items: { label: string }[] }).items.map((i) => i.label);

async function until<T>(
  what: string,
  get: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const goplsContainers = (owner: string) =>
  engine.listContainers({ all: true, filters: { label: [`playground.owner=${owner}`, "playground.service=gopls"] } });

describe("gopls behind the editor", () => {
  it("completes go-kit's symbols after its import, in a container without network", async () => {
    const { session, files } = await open("it-gopls-kit", "go-frameworks", KIT);
    const path = "services/string-service/endpoint.go";
    const lines = files[path].split("\n").length;
    // Typed, not saved or run: a new line at the end of the file that reaches into go-kit's endpoint package.
    session.change(path, [
      {
        range: { start: { line: lines, character: 0 }, end: { line: lines, character: 0 } },
        text: "\nvar _ = endpoint.",
      },
    ]);
    const items = labels(await session.request("completion", path, { line: lines, character: 17 }));
    expect(items).toEqual(expect.arrayContaining(["Chain", "Nop", "Endpoint", "Middleware", "Failer"]));

    const [container] = await goplsContainers("it-gopls-kit");
    const info = await engine.getContainer(container.Id).inspect();
    expect(info.HostConfig.NetworkMode).toBe("none");
    expect(Object.keys(info.NetworkSettings.Networks ?? {})).toEqual(["none"]);
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    expect(info.HostConfig.CapDrop).toEqual(["ALL"]);
    expect(info.HostConfig.SecurityOpt).toContain("no-new-privileges");
    expect(info.Config.User).toBe("1000:1000");
    expect(info.HostConfig.Memory).toBeGreaterThan(0);
    expect(info.HostConfig.PidsLimit).toBeGreaterThan(0);
  });

  it("goes to a go-kit function's source, which reads back from the image", async () => {
    const { session, files } = await open("it-gopls-kit", "go-frameworks", KIT);
    const path = "services/string-service/transport.go";
    const found = (await session.request(
      "definition",
      path,
      at(files[path], "httptransport.NewServer", "httptransport.".length + 2),
    )) as { source?: string; range: { start: { line: number } } }[];
    expect(found).toHaveLength(1);
    expect(found[0].source).toMatch(
      /^\/opt\/gomodcache\/github\.com\/go-kit\/kit@v0\.13\.0\/transport\/http\/server\.go$/,
    );
    const { text } = await session.source(found[0].source!);
    expect(text.split("\n")[found[0].range.start.line]).toMatch(/^func NewServer\(/);
  });

  it("finds a type's references across the service's files, and renames a function in every file that calls it", async () => {
    const { session, files } = await open("it-gopls-refs", "go-frameworks", KIT);
    const refs = (await session.request("references", KIT, at(files[KIT], "type uppercaseRequest", 6))) as {
      path?: string;
      range: { start: { line: number } };
    }[];
    const where = refs.map((r) => `${r.path}:${r.range.start.line + 1}`).sort();
    const lineOf = (path: string, needle: string) => at(files[path], needle).line + 1;
    expect(where).toEqual(
      [
        `${KIT}:${lineOf(KIT, "type uppercaseRequest")}`,
        `${KIT}:${lineOf(KIT, "request.(uppercaseRequest)")}`,
        `services/string-service/transport.go:${lineOf("services/string-service/transport.go", "var req uppercaseRequest")}`,
      ].sort(),
    );

    const main = "services/string-service/main.go";
    const edits = (await session.request(
      "rename",
      KIT,
      at(files[KIT], "func makeUppercaseEndpoint", 5),
      "newUppercaseEndpoint",
    )) as { path: string; edits: { range: { start: { line: number } }; newText: string }[] }[];
    expect(edits.map((f) => f.path).sort()).toEqual([KIT, main].sort());
    for (const f of edits) {
      expect(f.edits.every((e) => e.newText === "newUppercaseEndpoint")).toBe(true);
      expect(f.edits.map((e) => e.range.start.line)).toContain(at(files[f.path], "makeUppercaseEndpoint").line);
    }

    // Not an identifier: gopls's own reason comes back, nothing is edited.
    await expect(
      session.request("rename", KIT, at(files[KIT], "func makeUppercaseEndpoint", 5), "1st"),
    ).rejects.toThrow(/Cannot rename: .*1st/);
  });

  it("shows grpc.NewServer's documentation on hover", async () => {
    const { session, files } = await open("it-gopls-grpc", "grpc", "services/server/main.go");
    const path = "services/server/main.go";
    const hover = (await session.request("hover", path, at(files[path], "grpc.NewServer", 6))) as {
      contents: string;
    };
    expect(hover.contents).toMatch(/func (grpc\.)?NewServer\(opt \.\.\.(grpc\.)?ServerOption\) \*(grpc\.)?Server/);
    expect(hover.contents).toMatch(/NewServer creates a gRPC server/);
  });

  it("diagnoses a type error as it is typed, on its line", { timeout: 300_000 }, async () => {
    const { session, files, diagnostics } = await open("it-gopls-kit", "go-frameworks", KIT);
    const path = "services/string-service/service.go";
    const where = at(files[path], "return utf8.RuneCountInString(s)");
    // The first diagnosis waits for gopls's analyses of the file's dependencies: long on a busy machine.
    await until("the clean first diagnosis", () => (diagnostics.has(path) ? true : undefined), 120_000);
    session.change(path, [
      {
        range: {
          start: { line: where.line, character: where.character + "return ".length },
          end: { line: where.line, character: where.character + "return utf8.RuneCountInString(s)".length },
        },
        text: '"many"',
      },
    ]);
    // Its line gets the type error (and the utf8 import, no longer used, an error of its own on its line).
    const found = await until("a diagnostic of the typed error", () =>
      diagnostics.get(path)?.find((d) => d.severity === 1 && d.range.start.line === where.line),
    ).catch((err: Error) => {
      throw new Error(`${err.message}; line ${where.line}; got ${JSON.stringify(diagnostics.get(path))}`);
    });
    expect(found.message).toMatch(/cannot use "many"|untyped string/);
    expect(diagnostics.get(path)?.some((d) => /"unicode\/utf8" imported and not used/.test(d.message))).toBe(true);
  });

  it("takes only the lesson's own Go files and reads only the image's Go sources", async () => {
    const session = await pool.session("it-gopls-bounds", "go-frameworks");
    const listener = { diagnostics: () => {} };
    await expect(session.open({ "../../etc/passwd": "x" }, listener)).rejects.toMatchObject({ code: "BAD_PATH" });
    await expect(session.open({ "services/string-service/evil.go": "package main" }, listener)).rejects.toMatchObject({
      code: "BAD_PATH",
    });
    await expect(session.open({ "lesson.json": "{}" }, listener)).rejects.toMatchObject({ code: "BAD_PATH" });
    const { session: kit } = await open("it-gopls-kit", "go-frameworks", KIT);
    await expect(kit.source("/etc/passwd")).rejects.toMatchObject({ code: "BAD_PATH" });
    await expect(kit.source("/opt/gomodcache/../../etc/shadow.go")).rejects.toMatchObject({ code: "BAD_PATH" });
    await expect(kit.request("hover", "services/greeter/missing.go")).rejects.toMatchObject({ code: "BAD_PATH" });
  });

  it("idles out, then answers the next request from a new gopls with the edits kept", async () => {
    const { session, files } = await open("it-gopls-idle", "go-frameworks", KIT);
    const path = "services/string-service/endpoint.go";
    const lines = files[path].split("\n").length;
    session.change(path, [
      {
        range: { start: { line: lines, character: 0 }, end: { line: lines, character: 0 } },
        text: "\nvar _ = endpoint.",
      },
    ]);
    expect(labels(await session.request("completion", path, { line: lines, character: 17 }))).toContain("Chain");
    const first = (await goplsContainers("it-gopls-idle")).map((c) => c.Id);
    expect(first).toHaveLength(1);
    await until("gopls to idle out", () => (session.running ? undefined : true), IDLE_MS + 15_000);
    await until("its container to go", async () => (await goplsContainers("it-gopls-idle")).length === 0 || undefined);
    expect(labels(await session.request("completion", path, { line: lines, character: 17 }))).toContain("Chain");
    const second = (await goplsContainers("it-gopls-idle")).map((c) => c.Id);
    expect(second).toHaveLength(1);
    expect(second[0]).not.toBe(first[0]);
  });
});
