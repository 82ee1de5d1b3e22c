// Reflection answers from a learner's server are read within bounds: files, bytes, import depth, services, fields.
import { describe, expect, it } from "vitest";
import protobuf from "protobufjs";
import descriptorExt from "protobufjs/ext/descriptor/index.js";
import {
  MAX_REFLECTION_BYTES,
  MAX_REFLECTION_DEPTH,
  MAX_REFLECTION_FILES,
  MAX_REFLECTION_SERVICES,
  MAX_SHAPE_NODES,
  MAX_SHAPE_NODES_HARD,
  Reflector,
  messageShape,
  type ReflectionAnswer,
  type ReflectionQuery,
} from "@/sandbox/grpc-client";

function fileBytes(name: string, dependency: string[] = [], extra: Record<string, unknown> = {}): Uint8Array {
  const msg = descriptorExt.FileDescriptorProto.fromObject({ name, dependency, ...extra });
  return descriptorExt.FileDescriptorProto.encode(msg).finish();
}

/** A fake reflection service: answers each file by name from a table; counts the questions. */
function fakeServer(files: Record<string, Uint8Array[]>, symbolFile: string) {
  const asked: ReflectionQuery[] = [];
  const ask = async (_v: "v1" | "v1alpha", q: ReflectionQuery): Promise<ReflectionAnswer> => {
    asked.push(q);
    if ("listServices" in q) return { listServicesResponse: { service: [{ name: "x.S" }] } };
    const name = "fileContainingSymbol" in q ? symbolFile : q.fileByFilename;
    const sent = files[name];
    if (!sent) return { errorResponse: { errorCode: 5, errorMessage: `${name} not found` } };
    return { fileDescriptorResponse: { fileDescriptorProto: sent } };
  };
  return { ask, asked };
}

describe("the reflection walk", () => {
  it("follows imports once each, breadth first", async () => {
    const { ask, asked } = fakeServer(
      {
        "a.proto": [fileBytes("a.proto", ["b.proto", "c.proto"])],
        "b.proto": [fileBytes("b.proto", ["c.proto"])],
        "c.proto": [fileBytes("c.proto")],
      },
      "a.proto",
    );
    await new Reflector(ask, "t", "svc").loadSymbol("x.S");
    expect(asked.length).toBe(3);
  });

  it("refuses an import chain deeper than the bound", async () => {
    const files: Record<string, Uint8Array[]> = {};
    for (let i = 0; i < 100; i++) files[`f${i}.proto`] = [fileBytes(`f${i}.proto`, [`f${i + 1}.proto`])];
    const { ask, asked } = fakeServer(files, "f0.proto");
    await expect(new Reflector(ask, "t", "svc").loadSymbol("x.S")).rejects.toMatchObject({
      code: "GRPC_REFLECTION_LIMIT",
      message: expect.stringContaining(`deeper than ${MAX_REFLECTION_DEPTH} levels`),
    });
    expect(asked.length).toBeLessThanOrEqual(MAX_REFLECTION_DEPTH + 1);
  });

  it("refuses more files than the bound", async () => {
    const deps = Array.from({ length: 500 }, (_, i) => `d${i}.proto`);
    const files: Record<string, Uint8Array[]> = { "root.proto": [fileBytes("root.proto", deps)] };
    for (const d of deps) files[d] = [fileBytes(d)];
    const { ask, asked } = fakeServer(files, "root.proto");
    await expect(new Reflector(ask, "t", "svc").loadSymbol("x.S")).rejects.toMatchObject({
      code: "GRPC_REFLECTION_LIMIT",
      message: expect.stringContaining(`more than ${MAX_REFLECTION_FILES} descriptor files`),
    });
    expect(asked.length).toBeLessThanOrEqual(MAX_REFLECTION_FILES + 1);
  });

  it("refuses more bytes than the bound", async () => {
    const big = "x".repeat(1024 * 1024);
    const files: Record<string, Uint8Array[]> = {
      "root.proto": Array.from({ length: 6 }, (_, i) => fileBytes(`p${i}.proto`, [], { package: big })),
    };
    files["root.proto"].unshift(fileBytes("root.proto"));
    const { ask } = fakeServer(files, "root.proto");
    await expect(new Reflector(ask, "t", "svc").loadSymbol("x.S")).rejects.toMatchObject({
      code: "GRPC_REFLECTION_LIMIT",
      message: expect.stringContaining(`more than ${MAX_REFLECTION_BYTES / 1024 / 1024} MiB`),
    });
  });

  it("stops when a server answers with another file than the one asked (it would be asked forever)", async () => {
    const { ask, asked } = fakeServer(
      { "a.proto": [fileBytes("a.proto", ["b.proto"])], "b.proto": [fileBytes("other.proto")] },
      "a.proto",
    );
    await expect(new Reflector(ask, "t", "svc").loadSymbol("x.S")).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("did not send b.proto"),
    });
    expect(asked.length).toBe(2);
  });

  it("survives an import cycle", async () => {
    const { ask, asked } = fakeServer(
      { "a.proto": [fileBytes("a.proto", ["b.proto"])], "b.proto": [fileBytes("b.proto", ["a.proto"])] },
      "a.proto",
    );
    await new Reflector(ask, "t", "svc").loadSymbol("x.S");
    expect(asked.length).toBe(2);
  });

  it("refuses a list of more services than the bound", async () => {
    const ask = async (): Promise<ReflectionAnswer> => ({
      listServicesResponse: { service: Array.from({ length: 1000 }, (_, i) => ({ name: `s.S${i}` })) },
    });
    await expect(new Reflector(ask, "t", "svc").listServices()).rejects.toMatchObject({
      code: "GRPC_REFLECTION_LIMIT",
      message: expect.stringContaining(`at most ${MAX_REFLECTION_SERVICES} services`),
    });
  });
});

describe("message shapes", () => {
  /** Six levels of messages with 40 fields each of the next level's type: 40^6 nodes if expanded in full. */
  function fanOut(width: number, levels: number): protobuf.Type {
    const root = new protobuf.Root();
    const ns = root.define("fan");
    for (let l = levels; l >= 0; l--) {
      const t = new protobuf.Type(`L${l}`);
      for (let f = 1; f <= width; f++) t.add(new protobuf.Field(`f${f}`, f, l === levels ? "string" : `L${l + 1}`));
      ns.add(t);
    }
    root.resolveAll();
    return root.lookupType("fan.L0");
  }

  it("stop expanding nested messages past the budget instead of growing exponentially", () => {
    const budget = { nodes: 0 };
    const started = performance.now();
    const shape = messageShape(fanOut(40, 6), undefined, undefined, budget);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(budget.nodes).toBeLessThan(MAX_SHAPE_NODES + 100);
    expect(shape.fields.some((f) => f.recursive)).toBe(true);
  });

  it("refuses a description past the hard bound", () => {
    const budget = { nodes: MAX_SHAPE_NODES_HARD - 5 };
    expect(() => messageShape(fanOut(40, 1), undefined, undefined, budget)).toThrow(/too many to show/);
  });
});
