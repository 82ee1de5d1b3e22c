// The pure parts of the gRPC panel: status names, message shapes and templates, proto3 JSON, payload validation.
import { describe, expect, it } from "vitest";
import { status as grpcStatus } from "@grpc/grpc-js";
import protobuf from "protobufjs";
// Adds Root.fromDescriptor / toDescriptor, as sandbox/grpc-client.ts does by importing it.
import "protobufjs/ext/descriptor/index.js";
import { GRPC_STATUS_NAMES, grpcStatusName, protoJsonName, templateFromMessage } from "@/lib/shared/grpc-shapes";
import {
  GrpcJsonError,
  grpcTarget,
  messageFromJson,
  messageShape,
  messageToJson,
  parseRequestJson,
} from "@/sandbox/grpc-client";
import { SandboxError } from "@/sandbox/errors";
import { grpcCallPayload, grpcDescribePayload } from "@/lib/shared/socket-protocol";

const PROTO = `
syntax = "proto3";
package shop.v1;
import "google/protobuf/timestamp.proto";

enum Color { COLOR_UNSPECIFIED = 0; RED = 1; BLUE = 2; }

message Order {
  string order_id = 1;
  int64 total_cents = 2;
  uint32 count = 3;
  repeated string tags = 4;
  Color color = 5;
  Address ship_to = 6;
  map<string, int32> stock = 7;
  google.protobuf.Timestamp placed_at = 8;
  oneof payment { string card = 9; string voucher = 10; }
  bytes note = 11;
  bool gift = 12;
  Order parent = 13;
}

message Address { string street = 1; repeated Address previous = 2; }
`;

const TIMESTAMP = `
syntax = "proto3";
package google.protobuf;
message Timestamp { int64 seconds = 1; int32 nanos = 2; }
`;

/** Through descriptors, as reflection delivers them: snake_case names kept, maps as nested XxxEntry messages. */
function orderType(): protobuf.Type {
  const parsed = new protobuf.Root();
  protobuf.parse(TIMESTAMP, parsed, { keepCase: true });
  protobuf.parse(PROTO, parsed, { keepCase: true });
  const withDescriptors = parsed as unknown as { toDescriptor(syntax: string): unknown };
  const fromDescriptor = (protobuf.Root as unknown as { fromDescriptor(set: unknown): protobuf.Root }).fromDescriptor;
  return fromDescriptor(withDescriptors.toDescriptor("proto3")).lookupType("shop.v1.Order");
}

describe("gRPC status names", () => {
  it("match @grpc/grpc-js's status enum, code for code", () => {
    expect(GRPC_STATUS_NAMES).toHaveLength(17);
    GRPC_STATUS_NAMES.forEach((name, code) => expect(grpcStatus[name], name).toBe(code));
    expect(grpcStatusName(0)).toBe("OK");
    expect(grpcStatusName(5)).toBe("NOT_FOUND");
    expect(grpcStatusName(3)).toBe("INVALID_ARGUMENT");
    expect(grpcStatusName(42)).toBe("CODE_42");
    expect(grpcStatusName(-1)).toBe("CODE_-1");
  });

  it("derives JSON names like protoc", () => {
    expect(protoJsonName("created_at")).toBe("createdAt");
    expect(protoJsonName("id")).toBe("id");
    expect(protoJsonName("a_b_c")).toBe("aBC");
  });
});

describe("message shapes and templates", () => {
  it("describes fields with their kinds, nesting, enums, maps and oneofs", () => {
    const shape = messageShape(orderType());
    expect(shape.type).toBe("shop.v1.Order");
    const byName = Object.fromEntries(shape.fields.map((f) => [f.name, f]));
    expect(byName.order_id).toMatchObject({ jsonName: "orderId", kind: "scalar", type: "string", repeated: false });
    expect(byName.tags).toMatchObject({ kind: "scalar", type: "string", repeated: true });
    expect(byName.color).toMatchObject({ kind: "enum", enumValues: ["COLOR_UNSPECIFIED", "RED", "BLUE"] });
    expect(byName.stock).toMatchObject({ kind: "map", repeated: false, mapKey: "string" });
    expect(byName.stock.mapValue).toMatchObject({ kind: "scalar", type: "int32" });
    expect(byName.placed_at).toMatchObject({ kind: "message", type: "google.protobuf.Timestamp" });
    expect(byName.placed_at.message).toBeUndefined();
    expect(byName.card.oneof).toBe("payment");
    expect(byName.ship_to.message?.fields.map((f) => f.name)).toEqual(["street", "previous"]);
    // Address.previous is Address again, and Order.parent is Order: cut, not expanded forever.
    expect(byName.ship_to.message?.fields[1]).toMatchObject({ recursive: true, repeated: true });
    expect(byName.parent).toMatchObject({ recursive: true });
  });

  it("prefills a JSON request with defaults in proto3 JSON form", () => {
    expect(templateFromMessage(messageShape(orderType()))).toEqual({
      orderId: "",
      totalCents: "0",
      count: 0,
      tags: [""],
      color: "COLOR_UNSPECIFIED",
      shipTo: { street: "", previous: [{}] },
      stock: {},
      placedAt: "1970-01-01T00:00:00Z",
      card: "",
      note: "",
      gift: false,
      parent: {},
    });
  });

  it("the template itself is a valid request", () => {
    const type = orderType();
    expect(() => messageFromJson(type, templateFromMessage(messageShape(type)))).not.toThrow();
  });
});

describe("proto3 JSON to messages and back", () => {
  it("round-trips every kind of field", () => {
    const type = orderType();
    const json = {
      orderId: "A-1",
      total_cents: "9007199254740993",
      count: 3,
      tags: ["x", "y"],
      color: "BLUE",
      shipTo: { street: "Main St", previous: [{ street: "Old Rd" }] },
      stock: { apples: 4 },
      placedAt: "2026-01-02T03:04:05.250Z",
      voucher: "V10",
      note: Buffer.from("hi").toString("base64"),
      gift: true,
    };
    const message = type.fromObject(messageFromJson(type, json));
    const decoded = type.decode(type.encode(message).finish());
    expect(messageToJson(type, decoded)).toEqual({
      orderId: "A-1",
      // Beyond 2^53: exact only because 64-bit integers travel as strings.
      totalCents: "9007199254740993",
      count: 3,
      tags: ["x", "y"],
      color: "BLUE",
      shipTo: { street: "Main St", previous: [{ street: "Old Rd", previous: [] }] },
      stock: { apples: 4 },
      placedAt: "2026-01-02T03:04:05.250Z",
      card: null,
      voucher: "V10",
      note: "aGk=",
      gift: true,
      parent: null,
    });
  });

  it("names the field and the reason when a request does not fit", () => {
    const type = orderType();
    const fails = (json: unknown) => () => messageFromJson(type, json);
    expect(fails({ orderid: "x" })).toThrow(
      /request\.orderid: shop\.v1\.Order has no field "orderid" \(its fields: orderId,/,
    );
    expect(fails({ count: -1 })).toThrow(/request\.count: expected a non-negative integer \(uint32\), got -1/);
    expect(fails({ count: 2 ** 32 })).toThrow(/out of range for uint32/);
    expect(fails({ orderId: 5 })).toThrow(/request\.orderId: expected a string, got 5/);
    expect(fails({ color: "GREEN" })).toThrow(/expected one of COLOR_UNSPECIFIED, RED, BLUE/);
    expect(fails({ tags: "x" })).toThrow(/request\.tags: expected an array/);
    expect(fails({ shipTo: { street: 1 } })).toThrow(/request\.shipTo\.street: expected a string/);
    expect(fails({ card: "c", voucher: "v" })).toThrow(/only one of oneof payment/);
    expect(fails({ placedAt: "yesterday" })).toThrow(/expected an RFC 3339 time/);
    expect(fails({ stock: { a: "many" } })).toThrow(/request\.stock\[a\]: expected an integer/);
    expect(fails([1])).toThrow(GrpcJsonError);
  });

  it("treats null as not set and an empty text as the empty message", () => {
    expect(messageFromJson(orderType(), { orderId: null })).toEqual({});
    expect(parseRequestJson("  ")).toEqual({});
    expect(() => parseRequestJson('{"id": ')).toThrow(SandboxError);
    expect(() => parseRequestJson('{"id": ')).toThrow(/not valid JSON/);
  });
});

describe("where a gRPC service is reached", () => {
  const services = [
    { name: "user-service", stage: "running" as const, protocol: "grpc" as const, hostPort: 40123 },
    { name: "user-gateway", stage: "running" as const, protocol: "http" as const, hostPort: 40124 },
    { name: "other", stage: "building" as const, protocol: "grpc" as const },
  ];

  it("is the published 127.0.0.1 port of a running gRPC service", () => {
    expect(grpcTarget(services, "user-service")).toBe("127.0.0.1:40123");
  });

  it("refuses an HTTP service, one that is not running, and an unknown name", () => {
    expect(() => grpcTarget(services, "user-gateway")).toThrow(/speaks HTTP, not gRPC/);
    expect(() => grpcTarget(services, "other")).toThrow(expect.objectContaining({ code: "SERVICE_NOT_RUNNING" }));
    expect(() => grpcTarget(services, "nope")).toThrow(/no service "nope"/);
  });
});

describe("gRPC socket payloads", () => {
  const call = {
    runId: "run-1",
    service: "user-service",
    grpcService: "user.v1.UserService",
    method: "GetUser",
    requestJson: '{"id":"1"}',
  };

  it("accept a well-formed call and description request", () => {
    expect(grpcCallPayload.safeParse(call).success).toBe(true);
    expect(grpcCallPayload.safeParse({ ...call, timeoutMs: 5000 }).success).toBe(true);
    expect(grpcDescribePayload.safeParse({ runId: "run-1", service: "user-service" }).success).toBe(true);
  });

  it("reject malformed names, oversized requests, bad timeouts and extra keys", () => {
    expect(grpcCallPayload.safeParse({ ...call, grpcService: "user.v1/UserService" }).success).toBe(false);
    expect(grpcCallPayload.safeParse({ ...call, grpcService: ".user" }).success).toBe(false);
    expect(grpcCallPayload.safeParse({ ...call, method: "Get User" }).success).toBe(false);
    expect(grpcCallPayload.safeParse({ ...call, requestJson: "x".repeat(256 * 1024 + 1) }).success).toBe(false);
    expect(grpcCallPayload.safeParse({ ...call, timeoutMs: 60_000 }).success).toBe(false);
    expect(grpcCallPayload.safeParse({ ...call, target: "127.0.0.2:50051" }).success).toBe(false);
    expect(grpcDescribePayload.safeParse({ runId: "run-1", service: "User Service" }).success).toBe(false);
  });
});
