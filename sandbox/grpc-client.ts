// Calls a run's gRPC service from Node: lists it through server reflection and invokes unary methods with JSON.
import * as grpc from "@grpc/grpc-js";
import protobuf from "protobufjs";
import descriptorExt, { type IFileDescriptorProto } from "protobufjs/ext/descriptor/index.js";
import { SandboxError, grpcReflectionLimitError } from "./errors";
import type { ServiceState } from "./types";
import {
  WELL_KNOWN_JSON_SAMPLES,
  grpcStatusName,
  protoJsonName,
  type GrpcCallResult,
  type GrpcDescription,
  type GrpcFieldShape,
  type GrpcMessageShape,
  type GrpcMetadataMap,
  type GrpcServiceInfo,
} from "../lib/shared/grpc-shapes";

/** One reflection question: the sample servers answer in milliseconds, a hung one must not hold the page. */
export const REFLECTION_TIMEOUT_MS = 5_000;
/** A unary call's deadline unless the caller gives one; the page's ack waits a little longer than the maximum. */
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;
export const MAX_CALL_TIMEOUT_MS = 30_000;
/** Nesting of a request's JSON: deeper is surely a mistake (or a recursive type filled in by hand forever). */
const MAX_JSON_DEPTH = 32;
/** Nested message shapes sent to the page stop here; the template then has {} for the deeper ones. */
const MAX_SHAPE_DEPTH = 6;
/**
 * What the server's reflection may hand us, since a learner writes the server: the sample services need 2–5 files of
 * a few KiB, well-known types and all. Without bounds a server could send endless files or imports that never end.
 */
export const MAX_REFLECTION_FILES = 128;
export const MAX_REFLECTION_BYTES = 4 * 1024 * 1024;
/** Imports followed from a service's file: real APIs import a handful of levels deep. */
export const MAX_REFLECTION_DEPTH = 16;
export const MAX_REFLECTION_SERVICES = 64;
/** Fields and methods in one description: past the first number nested messages are not expanded, past the second it is refused (their product could be huge). */
export const MAX_SHAPE_NODES = 2_000;
export const MAX_SHAPE_NODES_HARD = 20_000;

// --- the reflection protocol (grpc/reflection/v1/reflection.proto; v1alpha has the same messages) ---

const reflectionRoot = protobuf.Root.fromJSON({
  nested: {
    reflection: {
      nested: {
        ServerReflectionRequest: {
          oneofs: { messageRequest: { oneof: ["fileByFilename", "fileContainingSymbol", "listServices"] } },
          fields: {
            host: { type: "string", id: 1 },
            fileByFilename: { type: "string", id: 3 },
            fileContainingSymbol: { type: "string", id: 4 },
            listServices: { type: "string", id: 7 },
          },
        },
        ServerReflectionResponse: {
          fields: {
            validHost: { type: "string", id: 1 },
            fileDescriptorResponse: { type: "FileDescriptorResponse", id: 4 },
            listServicesResponse: { type: "ListServiceResponse", id: 6 },
            errorResponse: { type: "ErrorResponse", id: 7 },
          },
        },
        FileDescriptorResponse: { fields: { fileDescriptorProto: { rule: "repeated", type: "bytes", id: 1 } } },
        ListServiceResponse: { fields: { service: { rule: "repeated", type: "ServiceResponse", id: 1 } } },
        ServiceResponse: { fields: { name: { type: "string", id: 1 } } },
        ErrorResponse: { fields: { errorCode: { type: "int32", id: 1 }, errorMessage: { type: "string", id: 2 } } },
      },
    },
  },
});
const ReflectionRequest = reflectionRoot.lookupType("reflection.ServerReflectionRequest");
const ReflectionResponse = reflectionRoot.lookupType("reflection.ServerReflectionResponse");

export type ReflectionQuery = { fileByFilename: string } | { fileContainingSymbol: string } | { listServices: string };

export interface ReflectionAnswer {
  fileDescriptorResponse?: { fileDescriptorProto: Uint8Array[] };
  listServicesResponse?: { service: { name: string }[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}

type ReflectionVersion = GrpcDescription["reflection"];
const REFLECTION_PATHS: Record<ReflectionVersion, string> = {
  v1: "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
  v1alpha: "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
};

function isServiceError(err: unknown): err is grpc.ServiceError {
  return typeof err === "object" && err !== null && typeof (err as { code?: unknown }).code === "number";
}

/** One question on its own stream: simpler than matching answers on a shared one, and cheap on one HTTP/2 link. */
function ask(client: grpc.Client, version: ReflectionVersion, query: ReflectionQuery): Promise<ReflectionAnswer> {
  return new Promise((resolve, reject) => {
    const stream = client.makeBidiStreamRequest(
      REFLECTION_PATHS[version],
      (m: ReflectionQuery) => Buffer.from(ReflectionRequest.encode(ReflectionRequest.fromObject(m)).finish()),
      (buf: Buffer) =>
        ReflectionResponse.toObject(ReflectionResponse.decode(buf), { arrays: true }) as ReflectionAnswer,
      new grpc.Metadata(),
      { deadline: Date.now() + REFLECTION_TIMEOUT_MS },
    );
    let answered = false;
    stream.on("data", (answer: ReflectionAnswer) => {
      answered = true;
      resolve(answer);
      stream.cancel();
    });
    stream.on("error", (err: grpc.ServiceError) => {
      if (!answered) reject(err);
    });
    stream.on("end", () => {
      if (!answered) reject(new Error("the reflection stream ended without an answer"));
    });
    stream.write(query);
    stream.end();
  });
}

/** Words a failure to reach the service's reflection for the learner. */
function reflectionFailure(target: string, service: string, err: unknown): SandboxError {
  if (isServiceError(err)) {
    if (err.code === grpc.status.UNIMPLEMENTED)
      return new SandboxError(
        "GRPC_REFLECTION_OFF",
        `${service} does not offer server reflection (UNIMPLEMENTED for grpc.reflection.v1 and v1alpha), so the panel cannot learn its methods.`,
        "Register reflection in the server (Go: reflection.Register(server) from google.golang.org/grpc/reflection) and press Run again.",
      );
    if (err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED)
      return new SandboxError(
        "SERVICE_NOT_RUNNING",
        `${service} did not answer on ${target} (${grpcStatusName(err.code)}: ${err.details.replace(/\.? ?Resolution note: ?$/, "")}).`,
        "Wait until the service is running, or look at its terminal for a crash.",
      );
    return new SandboxError(
      "BAD_REQUEST",
      `${service}'s reflection failed: ${grpcStatusName(err.code)} ${err.details}`.trim(),
    );
  }
  return new SandboxError("BAD_REQUEST", `${service}'s reflection failed: ${String(err)}`);
}

/** Asks one reflection question in a protocol version (the real one opens a stream; tests answer from a table). */
export type ReflectionAsk = (version: ReflectionVersion, query: ReflectionQuery) => Promise<ReflectionAnswer>;

/** The descriptors a reflection service hands out, decoded, and the protocol version that answered. */
export class Reflector {
  version: ReflectionVersion = "v1";
  private readonly files = new Map<string, IFileDescriptorProto>();
  /** Files whose imports have been followed. */
  private readonly walked = new Set<string>();
  private bytes = 0;

  constructor(
    private readonly ask: ReflectionAsk,
    private readonly target: string,
    private readonly service: string,
  ) {}

  private async query(query: ReflectionQuery): Promise<ReflectionAnswer> {
    try {
      return await this.ask(this.version, query);
    } catch (err) {
      // Older servers (grpc-go before 1.57, many others) only speak v1alpha.
      if (this.version === "v1" && isServiceError(err) && err.code === grpc.status.UNIMPLEMENTED) {
        this.version = "v1alpha";
        try {
          return await this.ask(this.version, query);
        } catch (second) {
          throw reflectionFailure(this.target, this.service, second);
        }
      }
      throw reflectionFailure(this.target, this.service, err);
    }
  }

  async listServices(): Promise<string[]> {
    const answer = await this.query({ listServices: "" });
    if (answer.errorResponse) throw this.answerError(answer.errorResponse);
    const names = (answer.listServicesResponse?.service ?? []).map((s) => s.name);
    if (names.length > MAX_REFLECTION_SERVICES)
      throw grpcReflectionLimitError(this.service, `${names.length} services`, `${MAX_REFLECTION_SERVICES} services`);
    return names;
  }

  /** Loads the file that defines a symbol and, breadth first, every file it imports (bounded in count, bytes and depth). */
  async loadSymbol(symbol: string): Promise<void> {
    const answer = await this.query({ fileContainingSymbol: symbol });
    // The first descriptor is the file that defines the symbol; the others are imports the server thought we lack.
    const [root] = this.take(answer, symbol);
    if (!root) throw new SandboxError("BAD_REQUEST", `${this.service}'s reflection sent no file for ${symbol}.`);
    const queue: { name: string; depth: number }[] = [{ name: root, depth: 0 }];
    while (queue.length > 0) {
      const { name, depth } = queue.shift()!;
      if (this.walked.has(name)) continue;
      this.walked.add(name);
      for (const dep of (this.files.get(name)?.dependency as string[] | undefined) ?? []) {
        if (this.walked.has(dep)) continue;
        if (depth + 1 > MAX_REFLECTION_DEPTH)
          throw grpcReflectionLimitError(
            this.service,
            `imports deeper than ${MAX_REFLECTION_DEPTH} levels (${name} imports ${dep})`,
            `${MAX_REFLECTION_DEPTH} levels`,
          );
        if (!this.files.has(dep)) {
          this.take(await this.query({ fileByFilename: dep }), dep);
          // Asking again would get the same answer: a server that sends other files than the one asked is broken.
          if (!this.files.has(dep))
            throw new SandboxError(
              "BAD_REQUEST",
              `${this.service}'s reflection did not send ${dep}, which ${name} imports.`,
            );
        }
        queue.push({ name: dep, depth: depth + 1 });
      }
    }
  }

  /** Keeps the new files of an answer and returns the names of all it sent, in order. */
  private take(answer: ReflectionAnswer, asked: string): string[] {
    if (answer.errorResponse) throw this.answerError(answer.errorResponse, asked);
    const names: string[] = [];
    for (const bytes of answer.fileDescriptorResponse?.fileDescriptorProto ?? []) {
      this.bytes += bytes.length;
      if (this.bytes > MAX_REFLECTION_BYTES)
        throw grpcReflectionLimitError(
          this.service,
          `more than ${MAX_REFLECTION_BYTES / 1024 / 1024} MiB of descriptors`,
          `${MAX_REFLECTION_BYTES / 1024 / 1024} MiB`,
        );
      const file = descriptorExt.FileDescriptorProto.decode(bytes) as unknown as IFileDescriptorProto;
      if (!file.name) continue;
      names.push(file.name);
      if (this.files.has(file.name)) continue;
      if (this.files.size >= MAX_REFLECTION_FILES)
        throw grpcReflectionLimitError(
          this.service,
          `more than ${MAX_REFLECTION_FILES} descriptor files`,
          `${MAX_REFLECTION_FILES} files`,
        );
      this.files.set(file.name, file);
    }
    return names;
  }

  private answerError(e: { errorCode: number; errorMessage: string }, asked?: string): SandboxError {
    return new SandboxError(
      "BAD_REQUEST",
      `${this.service}'s reflection could not answer${asked ? ` for ${asked}` : ""}: ${grpcStatusName(e.errorCode)} ${e.errorMessage}`,
    );
  }

  root(): protobuf.Root {
    const fromDescriptor = (protobuf.Root as unknown as { fromDescriptor(set: unknown): protobuf.Root }).fromDescriptor;
    try {
      return fromDescriptor({ file: [...this.files.values()] });
    } catch (err) {
      throw new SandboxError("BAD_REQUEST", `${this.service}'s descriptors could not be read: ${String(err)}`);
    }
  }
}

/** Where to reach a run's gRPC service: its published 127.0.0.1 port, once it has started. */
export function grpcTarget(services: ServiceState[], name: string): string {
  const s = services.find((x) => x.name === name);
  if (!s) throw new SandboxError("BAD_REQUEST", `This lesson has no service "${name}".`);
  if (s.protocol !== "grpc")
    throw new SandboxError("BAD_REQUEST", `${name} speaks HTTP, not gRPC; use the HTTP request panel for it.`);
  if (!s.hostPort || !["running", "starting"].includes(s.stage))
    throw new SandboxError("SERVICE_NOT_RUNNING", `${name} is not running; press Run first.`);
  return `127.0.0.1:${s.hostPort}`;
}

function reflectorFor(client: grpc.Client, target: string, label: string): Reflector {
  return new Reflector((version, query) => ask(client, version, query), target, label);
}

function withClient<T>(target: string, work: (client: grpc.Client) => Promise<T>): Promise<T> {
  // Plaintext: the run's services listen without TLS, reached only on 127.0.0.1.
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  return work(client).finally(() => client.close());
}

// --- shapes for the page ---

function isMapEntry(type: protobuf.Type): boolean {
  // From descriptors, protobufjs keeps a map field as a repeated nested entry message (option map_entry) with
  // fields key = 1 and value = 2.
  return (
    type.options?.map_entry === true &&
    type.fieldsArray.length === 2 &&
    type.fields.key?.id === 1 &&
    type.fields.value?.id === 2
  );
}

const fullName = (t: protobuf.ReflectionObject): string => t.fullName.replace(/^\./, "");

function jsonNameOf(field: protobuf.Field): string {
  return protoJsonName(field.name);
}

/** Counts what a description lists, shared by all its methods. */
export interface ShapeBudget {
  nodes: number;
}

function spend(budget: ShapeBudget, n: number): void {
  budget.nodes += n;
  if (budget.nodes > MAX_SHAPE_NODES_HARD)
    throw new SandboxError(
      "GRPC_REFLECTION_LIMIT",
      `The service's methods and messages have more than ${MAX_SHAPE_NODES_HARD} fields in all: too many to show.`,
      "Call it with a client of your own, or describe fewer services in this server.",
    );
}

function fieldShape(field: protobuf.Field, open: Set<string>, depth: number, budget: ShapeBudget): GrpcFieldShape {
  field.resolve();
  const base = {
    name: field.name,
    jsonName: jsonNameOf(field),
    number: field.id,
    repeated: field.repeated,
    // proto3 `optional` makes a one-field synthetic oneof (named _field): not a choice the learner must make.
    oneof: field.partOf && !field.partOf.name.startsWith("_") ? field.partOf.name : undefined,
  };
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Enum) {
    return { ...base, kind: "enum", type: fullName(rt), enumValues: Object.keys(rt.values) };
  }
  if (rt instanceof protobuf.Type) {
    if (field.repeated && isMapEntry(rt)) {
      const value = fieldShape(rt.fields.value, open, depth, budget);
      return { ...base, repeated: false, kind: "map", type: fullName(rt), mapKey: rt.fields.key.type, mapValue: value };
    }
    const name = fullName(rt);
    if (name in WELL_KNOWN_JSON_SAMPLES) return { ...base, kind: "message", type: name };
    if (open.has(name) || depth >= MAX_SHAPE_DEPTH || budget.nodes >= MAX_SHAPE_NODES)
      return { ...base, kind: "message", type: name, recursive: true };
    return { ...base, kind: "message", type: name, message: messageShape(rt, open, depth + 1, budget) };
  }
  return { ...base, kind: "scalar", type: field.type };
}

export function messageShape(
  type: protobuf.Type,
  open = new Set<string>(),
  depth = 0,
  budget: ShapeBudget = { nodes: 0 },
): GrpcMessageShape {
  const name = fullName(type);
  const inner = new Set(open).add(name);
  spend(budget, type.fieldsArray.length);
  return { type: name, fields: type.fieldsArray.map((f) => fieldShape(f, inner, depth, budget)) };
}

function serviceInfo(service: protobuf.Service, budget: ShapeBudget): GrpcServiceInfo {
  return {
    name: fullName(service),
    methods: service.methodsArray.map((m) => {
      spend(budget, 1);
      m.resolve();
      const req = m.resolvedRequestType!;
      return {
        name: m.name,
        path: `/${fullName(service)}/${m.name}`,
        requestType: fullName(req),
        responseType: fullName(m.resolvedResponseType!),
        clientStreaming: Boolean(m.requestStream),
        serverStreaming: Boolean(m.responseStream),
        request: messageShape(req, undefined, undefined, budget),
      };
    }),
  };
}

/** Lists a service's gRPC services and methods through its server reflection. `label` names it in errors. */
export function describeGrpc(target: string, label = target): Promise<GrpcDescription> {
  const started = performance.now();
  return withClient(target, async (client) => {
    const reflector = reflectorFor(client, target, label);
    const names = await reflector.listServices();
    for (const name of names) await reflector.loadSymbol(name);
    const root = reflector.root();
    const budget: ShapeBudget = { nodes: 0 };
    const services = names
      .map((n) => serviceInfo(root.lookupService(n), budget))
      .sort((a, b) => a.name.localeCompare(b.name));
    return {
      target,
      reflection: reflector.version,
      services,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    };
  });
}

// --- proto3 JSON ⇄ messages ---

const INT32 = new Set(["int32", "sint32", "sfixed32"]);
const UINT32 = new Set(["uint32", "fixed32"]);
const INT64 = new Set(["int64", "sint64", "sfixed64"]);
const UINT64 = new Set(["uint64", "fixed64"]);
const WRAPPERS = new Set([
  "google.protobuf.StringValue",
  "google.protobuf.BytesValue",
  "google.protobuf.BoolValue",
  "google.protobuf.Int32Value",
  "google.protobuf.UInt32Value",
  "google.protobuf.Int64Value",
  "google.protobuf.UInt64Value",
  "google.protobuf.FloatValue",
  "google.protobuf.DoubleValue",
]);

/** A request that does not fit the method's message: the path names the field (e.g. "user.tags[2]"). */
export class GrpcJsonError extends Error {}

const describeJson = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "object" ? "an object" : JSON.stringify(v);

function scalarFromJson(type: string, value: unknown, at: string): unknown {
  const fail = (want: string): never => {
    const named = type === "string" || type === "bool" ? "" : ` (${type})`;
    throw new GrpcJsonError(`${at}: expected ${want}${named}, got ${describeJson(value)}`);
  };
  switch (type) {
    case "string":
      return typeof value === "string" ? value : fail("a string");
    case "bool":
      return typeof value === "boolean" ? value : fail("true or false");
    case "bytes":
      if (typeof value !== "string" || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) fail("base64 text");
      return value;
    case "double":
    case "float":
      if (typeof value === "number") return value;
      if (value === "NaN" || value === "Infinity" || value === "-Infinity") return Number(value);
      if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
      return fail("a number");
  }
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
  const signed = INT32.has(type) || INT64.has(type);
  if (!(signed ? /^-?\d+$/ : /^\d+$/).test(text)) fail(signed ? "an integer" : "a non-negative integer");
  const n = BigInt(text);
  const [min, max] = INT32.has(type)
    ? [-(2n ** 31n), 2n ** 31n - 1n]
    : UINT32.has(type)
      ? [0n, 2n ** 32n - 1n]
      : INT64.has(type)
        ? [-(2n ** 63n), 2n ** 63n - 1n]
        : [0n, 2n ** 64n - 1n];
  if (n < min || n > max) throw new GrpcJsonError(`${at}: ${text} is out of range for ${type}`);
  // protobufjs takes 64-bit values as decimal strings (through long.js): exact where a number is not.
  return INT64.has(type) || UINT64.has(type) ? text : Number(n);
}

function timestampFromJson(value: unknown, at: string): { seconds: string; nanos: number } {
  const m =
    typeof value === "string"
      ? /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(value)
      : null;
  const ms = m ? Date.parse(`${m[1]}${m[3]}`) : NaN;
  if (!m || Number.isNaN(ms))
    throw new GrpcJsonError(`${at}: expected an RFC 3339 time like "2026-01-02T15:04:05Z", got ${describeJson(value)}`);
  return { seconds: String(Math.floor(ms / 1000)), nanos: Number((m[2] ?? "").padEnd(9, "0")) };
}

function durationFromJson(value: unknown, at: string): { seconds: string; nanos: number } {
  const m = typeof value === "string" ? /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(value) : null;
  if (!m) throw new GrpcJsonError(`${at}: expected a duration like "1.5s", got ${describeJson(value)}`);
  const sign = m[1] ? -1 : 1;
  const nanos = Number((m[3] ?? "").padEnd(9, "0"));
  return { seconds: `${m[1] ?? ""}${m[2]}`, nanos: sign * nanos };
}

function fieldValueFromJson(field: protobuf.Field, value: unknown, at: string, depth: number): unknown {
  field.resolve();
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Enum) {
    if (typeof value === "string" && value in rt.values) return rt.values[value];
    if (typeof value === "number" && Number.isInteger(value)) return value;
    throw new GrpcJsonError(
      `${at}: expected one of ${Object.keys(rt.values).join(", ")} (${fullName(rt)}), got ${describeJson(value)}`,
    );
  }
  if (rt instanceof protobuf.Type) return messageFromJson(rt, value, at, depth + 1);
  return scalarFromJson(field.type, value, at);
}

/**
 * Checks a request's JSON against a message type (proto3 JSON mapping: lowerCamel or proto names, 64-bit integers
 * as strings, enums by name, bytes as base64, Timestamp/Duration/wrappers in their JSON forms) and returns an object
 * for protobufjs's fromObject. protobufjs alone would drop unknown fields and turn "abc" into 0 without a word.
 */
export function messageFromJson(
  type: protobuf.Type,
  value: unknown,
  at = "request",
  depth = 0,
): Record<string, unknown> {
  if (depth > MAX_JSON_DEPTH) throw new GrpcJsonError(`${at}: nested too deeply`);
  const name = fullName(type);
  if (name === "google.protobuf.Timestamp") return timestampFromJson(value, at);
  if (name === "google.protobuf.Duration") return durationFromJson(value, at);
  if (WRAPPERS.has(name)) return { value: fieldValueFromJson(type.fields.value, value, at, depth) };
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new GrpcJsonError(`${at}: expected an object (${name}), got ${describeJson(value)}`);
  const out: Record<string, unknown> = {};
  const oneofSet = new Map<string, string>();
  for (const [key, raw] of Object.entries(value)) {
    const field = type.fieldsArray.find((f) => jsonNameOf(f) === key || f.name === key);
    const where = `${at}.${key}`;
    if (!field) {
      const known = type.fieldsArray.map(jsonNameOf).join(", ") || "none";
      throw new GrpcJsonError(`${where}: ${name} has no field "${key}" (its fields: ${known})`);
    }
    if (field.name in out) throw new GrpcJsonError(`${where}: the field ${field.name} is given twice`);
    // null means "not set", as in protojson.
    if (raw === null) continue;
    if (field.partOf) {
      const other = oneofSet.get(field.partOf.name);
      if (other) throw new GrpcJsonError(`${where}: only one of oneof ${field.partOf.name} may be set (also ${other})`);
      oneofSet.set(field.partOf.name, key);
    }
    field.resolve();
    const entry = field.resolvedType instanceof protobuf.Type && field.repeated && isMapEntry(field.resolvedType);
    if (entry) {
      const entryType = field.resolvedType as protobuf.Type;
      if (typeof raw !== "object" || Array.isArray(raw))
        throw new GrpcJsonError(`${where}: expected an object (a map), got ${describeJson(raw)}`);
      out[field.name] = Object.entries(raw).map(([k, v]) => ({
        key: scalarFromJson(
          entryType.fields.key.type,
          entryType.fields.key.type === "bool" ? k === "true" : k,
          `${where}[${k}]`,
        ),
        value: fieldValueFromJson(entryType.fields.value, v, `${where}[${k}]`, depth),
      }));
    } else if (field.repeated) {
      if (!Array.isArray(raw)) throw new GrpcJsonError(`${where}: expected an array, got ${describeJson(raw)}`);
      out[field.name] = raw.map((v, i) => fieldValueFromJson(field, v, `${where}[${i}]`, depth));
    } else {
      out[field.name] = fieldValueFromJson(field, raw, where, depth);
    }
  }
  return out;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

function scalarToJson(type: string, value: unknown): unknown {
  if (type === "bytes") return value instanceof Uint8Array ? base64(value) : "";
  if (INT64.has(type) || UINT64.has(type)) return String(value ?? 0);
  if ((type === "double" || type === "float") && typeof value === "number" && !Number.isFinite(value))
    return String(value);
  return value;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** Like protojson: 0, 3, 6 or 9 fractional digits. */
function fraction(nanos: number): string {
  if (nanos === 0) return "";
  const digits = pad(nanos, 9);
  return "." + (nanos % 1_000_000 === 0 ? digits.slice(0, 3) : nanos % 1_000 === 0 ? digits.slice(0, 6) : digits);
}

function fieldValueToJson(field: protobuf.Field, value: unknown): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Enum) return rt.valuesById[value as number] ?? value;
  if (rt instanceof protobuf.Type) return value == null ? null : messageToJson(rt, value as protobuf.Message);
  return scalarToJson(field.type, value);
}

/** A decoded message as proto3 JSON, every field present (like protojson's EmitUnpopulated), for the page. */
export function messageToJson(type: protobuf.Type, message: protobuf.Message): unknown {
  const name = fullName(type);
  const get = (f: string): unknown => (message as unknown as Record<string, unknown>)[f];
  if (name === "google.protobuf.Timestamp") {
    const seconds = Number(String(get("seconds") ?? 0));
    const nanos = Number(get("nanos") ?? 0);
    const d = new Date(seconds * 1000);
    return (
      `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
      `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${fraction(nanos)}Z`
    );
  }
  if (name === "google.protobuf.Duration") {
    const seconds = String(get("seconds") ?? 0);
    const nanos = Number(get("nanos") ?? 0);
    const negative = seconds.startsWith("-") || nanos < 0;
    return `${negative && !seconds.startsWith("-") ? "-" : ""}${seconds}${fraction(Math.abs(nanos))}s`;
  }
  if (WRAPPERS.has(name)) return fieldValueToJson(type.fields.value.resolve(), get("value"));
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    field.resolve();
    const raw = get(field.name);
    const rt = field.resolvedType;
    if (field.repeated && rt instanceof protobuf.Type && isMapEntry(rt)) {
      const map: Record<string, unknown> = {};
      for (const e of (raw as protobuf.Message[] | undefined) ?? []) {
        const entry = e as unknown as Record<string, unknown>;
        map[String(entry.key)] = fieldValueToJson(rt.fields.value.resolve(), entry.value);
      }
      out[jsonNameOf(field)] = map;
    } else if (field.repeated) {
      out[jsonNameOf(field)] = ((raw as unknown[] | undefined) ?? []).map((v) => fieldValueToJson(field, v));
    } else {
      // proto3 optional / oneof members that are not set stay null rather than showing a default as if sent.
      const unset = field.partOf && !Object.prototype.hasOwnProperty.call(message, field.name);
      out[jsonNameOf(field)] = unset ? null : fieldValueToJson(field, raw);
    }
  }
  return out;
}

function metadataJson(md: grpc.Metadata | undefined): GrpcMetadataMap {
  const out: GrpcMetadataMap = {};
  for (const [key, values] of Object.entries(md?.toJSON() ?? {}))
    out[key] = values.map((v) => (typeof v === "string" ? v : base64(v)));
  return out;
}

export interface GrpcCallSpec {
  /** Full service name, e.g. "user.v1.UserService". */
  service: string;
  method: string;
  /** The request message as JSON text, exactly as the learner typed it. */
  requestJson: string;
  timeoutMs?: number;
}

/** Parses the learner's JSON text; an empty text is the empty message. */
export function parseRequestJson(text: string): unknown {
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new SandboxError(
      "BAD_REQUEST",
      `The request is not valid JSON: ${(err as Error).message}`,
      'Write one JSON object, e.g. {"id": "1"}.',
    );
  }
}

/**
 * Calls one unary method: the method and its message types come from the service's reflection at call time, so
 * an edited .proto is seen after the next Run. A gRPC error status is an answer (in the result), not a throw.
 */
// async: a malformed request rejects like every other failure, it does not throw at the call.
export async function callGrpc(target: string, spec: GrpcCallSpec, label = target): Promise<GrpcCallResult> {
  const json = parseRequestJson(spec.requestJson);
  const timeoutMs = Math.min(spec.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS, MAX_CALL_TIMEOUT_MS);
  return withClient(target, async (client) => {
    const reflector = reflectorFor(client, target, label);
    await reflector.loadSymbol(spec.service);
    const root = reflector.root();
    const service = root.lookup(spec.service);
    if (!(service instanceof protobuf.Service))
      throw new SandboxError("BAD_REQUEST", `${label} has no gRPC service ${spec.service}.`);
    const method = service.methods[spec.method];
    if (!method)
      throw new SandboxError(
        "BAD_REQUEST",
        `${spec.service} has no method ${spec.method} (its methods: ${Object.keys(service.methods).join(", ")}).`,
      );
    if (method.requestStream || method.responseStream)
      throw new SandboxError(
        "BAD_REQUEST",
        `${spec.method} is a streaming method; streaming methods are not supported yet.`,
        "Call a unary method (one request, one response).",
      );
    method.resolve();
    const requestType = method.resolvedRequestType!;
    const responseType = method.resolvedResponseType!;
    let message: protobuf.Message;
    try {
      message = requestType.fromObject(messageFromJson(requestType, json));
    } catch (err) {
      if (err instanceof GrpcJsonError)
        throw new SandboxError(
          "BAD_REQUEST",
          `Not sent: ${err.message}`,
          `Fix the JSON to fit ${fullName(requestType)}; Reset to template shows every field.`,
        );
      throw err;
    }
    const path = `/${spec.service}/${spec.method}`;
    const started = performance.now();
    return new Promise<GrpcCallResult>((resolve) => {
      let headers: GrpcMetadataMap = {};
      let response: protobuf.Message | undefined;
      const call = client.makeUnaryRequest(
        path,
        (m: protobuf.Message) => Buffer.from(requestType.encode(m).finish()),
        (buf: Buffer) => responseType.decode(buf),
        message,
        new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs },
        (_err, value) => {
          response = value;
        },
      );
      call.on("metadata", (md: grpc.Metadata) => (headers = metadataJson(md)));
      // grpc-js emits the status after the callback: both the response and the trailers are known here.
      call.on("status", (s: grpc.StatusObject) =>
        resolve({
          path,
          code: s.code,
          codeName: grpcStatusName(s.code),
          message: s.details,
          response: s.code === grpc.status.OK && response ? messageToJson(responseType, response) : null,
          headers,
          trailers: metadataJson(s.metadata),
          durationMs: Math.round((performance.now() - started) * 10) / 10,
        }),
      );
    });
  });
}
