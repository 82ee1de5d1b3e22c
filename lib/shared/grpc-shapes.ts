// What the page learns about a gRPC service (services, methods, message fields) and the pure helpers it needs.
// No gRPC library here: this module is shared by the server (sandbox/grpc-client.ts) and the browser bundle.

/** gRPC status codes by number (grpc/grpc doc/statuscodes.md); the page must not load @grpc/grpc-js for them. */
export const GRPC_STATUS_NAMES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
] as const;

export type GrpcStatusName = (typeof GRPC_STATUS_NAMES)[number];

export function grpcStatusName(code: number): GrpcStatusName | `CODE_${number}` {
  return Number.isInteger(code) && code >= 0 && code < GRPC_STATUS_NAMES.length
    ? GRPC_STATUS_NAMES[code]
    : `CODE_${code}`;
}

export type GrpcScalarType =
  | "double"
  | "float"
  | "int32"
  | "int64"
  | "uint32"
  | "uint64"
  | "sint32"
  | "sint64"
  | "fixed32"
  | "fixed64"
  | "sfixed32"
  | "sfixed64"
  | "bool"
  | "string"
  | "bytes";

/** One field of a message as its JSON form sees it (proto3 JSON mapping). */
export interface GrpcFieldShape {
  /** The name in the .proto (snake_case). */
  name: string;
  /** The JSON key (lowerCamelCase); both names are accepted in a request. */
  jsonName: string;
  number: number;
  kind: "scalar" | "enum" | "message" | "map";
  /** Scalar type, or the full name of the enum / message (e.g. "google.protobuf.Timestamp"). */
  type: string;
  repeated: boolean;
  /** Name of the oneof the field belongs to (only one of its fields may be set). */
  oneof?: string;
  /** Enum value names, first is the default. */
  enumValues?: string[];
  /** Fields of a nested message; absent for a well-known type (JSON has its own form) or a recursion. */
  message?: GrpcMessageShape;
  /** For a message type already open above this field: its fields are not repeated here. */
  recursive?: boolean;
  /** For a map: the key type and the value's shape (as a field named "value"). */
  mapKey?: string;
  mapValue?: GrpcFieldShape;
}

export interface GrpcMessageShape {
  /** Full name, e.g. "user.v1.GetUserRequest". */
  type: string;
  fields: GrpcFieldShape[];
}

export interface GrpcMethodInfo {
  name: string;
  /** The HTTP/2 path of the call, "/package.Service/Method". */
  path: string;
  requestType: string;
  responseType: string;
  clientStreaming: boolean;
  serverStreaming: boolean;
  request: GrpcMessageShape;
}

export interface GrpcServiceInfo {
  /** Full name, e.g. "user.v1.UserService". */
  name: string;
  methods: GrpcMethodInfo[];
}

export interface GrpcDescription {
  /** host:port that was asked (the run's published 127.0.0.1 port). */
  target: string;
  /** Which reflection protocol answered (grpc.reflection.v1 or the older v1alpha). */
  reflection: "v1" | "v1alpha";
  services: GrpcServiceInfo[];
  durationMs: number;
}

/** Metadata as gRPC gives it: a key may repeat; binary (-bin) values are shown base64. */
export type GrpcMetadataMap = Record<string, string[]>;

export interface GrpcCallResult {
  /** "/package.Service/Method". */
  path: string;
  code: number;
  codeName: string;
  /** The status message (empty for OK). */
  message: string;
  /** The response message as proto3 JSON; null when the status is not OK. */
  response: unknown;
  headers: GrpcMetadataMap;
  trailers: GrpcMetadataMap;
  durationMs: number;
}

/**
 * Well-known types whose JSON form is not an object of their fields (the ones the panel converts), with a sample
 * value for a template. Others (Struct, Any, FieldMask…) are written field by field.
 */
export const WELL_KNOWN_JSON_SAMPLES: Record<string, unknown> = {
  "google.protobuf.Timestamp": "1970-01-01T00:00:00Z",
  "google.protobuf.Duration": "1s",
  "google.protobuf.StringValue": "",
  "google.protobuf.BytesValue": "",
  "google.protobuf.BoolValue": false,
  "google.protobuf.Int32Value": 0,
  "google.protobuf.UInt32Value": 0,
  "google.protobuf.Int64Value": "0",
  "google.protobuf.UInt64Value": "0",
  "google.protobuf.FloatValue": 0,
  "google.protobuf.DoubleValue": 0,
};

function scalarSample(type: string): unknown {
  switch (type) {
    case "bool":
      return false;
    case "string":
    case "bytes":
      return "";
    case "int64":
    case "uint64":
    case "sint64":
    case "fixed64":
    case "sfixed64":
      // proto3 JSON writes 64-bit integers as strings: a JavaScript number cannot hold all of them.
      return "0";
    default:
      return 0;
  }
}

function singleSample(field: GrpcFieldShape): unknown {
  switch (field.kind) {
    case "scalar":
      return scalarSample(field.type);
    case "enum":
      return field.enumValues?.[0] ?? 0;
    case "map":
      return {};
    case "message":
      if (field.type in WELL_KNOWN_JSON_SAMPLES) return WELL_KNOWN_JSON_SAMPLES[field.type];
      if (field.recursive || !field.message) return {};
      return templateFromMessage(field.message);
  }
}

/**
 * A JSON request with every field at its default, for the page's editor: the learner edits values instead of
 * typing field names. Of a oneof only the first field is filled (two of them would be rejected).
 */
export function templateFromMessage(shape: GrpcMessageShape): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const oneofsSeen = new Set<string>();
  for (const field of shape.fields) {
    if (field.oneof) {
      if (oneofsSeen.has(field.oneof)) continue;
      oneofsSeen.add(field.oneof);
    }
    out[field.jsonName] = field.repeated ? [singleSample(field)] : singleSample(field);
  }
  return out;
}

/** lower_snake → lowerCamel, the way protoc derives json_name. */
export function protoJsonName(name: string): string {
  let out = "";
  let upper = false;
  for (const ch of name) {
    if (ch === "_") {
      upper = true;
    } else {
      out += upper ? ch.toUpperCase() : ch;
      upper = false;
    }
  }
  return out;
}
