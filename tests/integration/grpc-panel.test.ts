// The request panel's gRPC client against lesson 16.4.2 in the real sandbox: reflection, then unary calls.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadLesson } from "../../lib/server/lessons";
import {
  callGrpc,
  describeGrpc,
  ensureImage,
  grpcTarget,
  startRun,
  stopAllRuns,
  type RunHandle,
} from "../../sandbox/index";

const SLUG = "grpc";
const USER_SERVICE = "user.v1.UserService";
let run: RunHandle;
let target: string;

beforeAll(async () => {
  await ensureImage((line) => console.log(`[image] ${line}`));
  run = await startRun(SLUG, null, { owner: "it-grpc-panel" });
  await run.whenAllRunning();
  target = grpcTarget(run.services(), "user-service");
});

afterAll(async () => {
  await run?.stop();
  await stopAllRuns();
});

describe("lesson 16.4.2 through the request panel's gRPC client", () => {
  it("lists the services and methods through server reflection", async () => {
    expect(target).toMatch(/^127\.0\.0\.1:\d+$/);
    const d = await describeGrpc(target, "user-service");
    expect(d.reflection).toBe("v1");
    const names = d.services.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining([USER_SERVICE, "grpc.health.v1.Health"]));
    const users = d.services.find((s) => s.name === USER_SERVICE)!;
    expect(users.methods.map((m) => m.name).sort()).toEqual(["CreateUser", "GetUser", "ListUsers"]);
    const create = users.methods.find((m) => m.name === "CreateUser")!;
    expect(create).toMatchObject({
      path: "/user.v1.UserService/CreateUser",
      requestType: "user.v1.CreateUserRequest",
      responseType: "user.v1.User",
      clientStreaming: false,
      serverStreaming: false,
    });
    expect(create.request.fields.map((f) => [f.jsonName, f.kind, f.type])).toEqual([
      ["name", "scalar", "string"],
      ["email", "scalar", "string"],
    ]);
    // Health's Watch streams: listed, marked as such.
    const health = d.services.find((s) => s.name === "grpc.health.v1.Health")!;
    expect(health.methods.find((m) => m.name === "Watch")?.serverStreaming).toBe(true);
  });

  it("calls GetUser for a known id: OK and the user as proto3 JSON", async () => {
    const r = await callGrpc(target, { service: USER_SERVICE, method: "GetUser", requestJson: '{"id": "1"}' });
    expect(r.codeName, r.message).toBe("OK");
    expect(r.code).toBe(0);
    expect(r.response).toMatchObject({ id: "1", name: "张三", email: "zhangsan@example.com" });
    // A Timestamp in its JSON form, as protojson writes it.
    expect((r.response as { createdAt: string }).createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    expect(r.headers["content-type"]).toEqual(["application/grpc"]);
    expect(r.durationMs).toBeGreaterThan(0);
  });

  it("calls GetUser for an unknown id: NOT_FOUND with the server's message", async () => {
    const r = await callGrpc(target, { service: USER_SERVICE, method: "GetUser", requestJson: '{"id": "999"}' });
    expect(r).toMatchObject({ code: 5, codeName: "NOT_FOUND", response: null });
    expect(r.message).toContain('user "999" not found');
  });

  it("calls CreateUser with a bad email: INVALID_ARGUMENT", async () => {
    const r = await callGrpc(target, {
      service: USER_SERVICE,
      method: "CreateUser",
      requestJson: JSON.stringify({ name: "赵六", email: "not-an-email" }),
    });
    expect(r).toMatchObject({ code: 3, codeName: "INVALID_ARGUMENT", response: null });
    expect(r.message).toContain("not-an-email");
  });

  it("refuses before calling: unknown field, invalid JSON, streaming method, unknown method", async () => {
    const call = (method: string, requestJson: string, service = USER_SERVICE) =>
      callGrpc(target, { service, method, requestJson }, "user-service");
    await expect(call("CreateUser", '{"name": "x", "emial": "x@example.com"}')).rejects.toThrow(
      /user\.v1\.CreateUserRequest has no field "emial" \(its fields: name, email\)/,
    );
    await expect(call("GetUser", '{"id": 1')).rejects.toThrow(/not valid JSON/);
    await expect(call("Watch", "{}", "grpc.health.v1.Health")).rejects.toThrow(
      /streaming methods are not supported yet/,
    );
    await expect(call("DeleteUser", "{}")).rejects.toThrow(/has no method DeleteUser/);
  });

  it("says clearly when nothing answers on the port", async () => {
    await run.stop();
    await expect(describeGrpc(target, "user-service")).rejects.toMatchObject({ code: "SERVICE_NOT_RUNNING" });
    expect(() => grpcTarget(run.services(), "user-service")).toThrow(/not running/);
  });
});

describe("a gRPC server without reflection", () => {
  it("is explained (UNIMPLEMENTED for both reflection versions), not shown as an empty list", async () => {
    const lesson = await loadLesson(SLUG);
    const main = lesson.files["services/server/main.go"];
    expect(main).toContain("reflection.Register(srv)");
    // Keeps the import used, so only the registration goes away.
    const files = {
      ...lesson.files,
      "services/server/main.go": main.replace("reflection.Register(srv)", "_ = reflection.Register"),
    };
    const bare = await startRun(SLUG, files, { owner: "it-grpc-panel" });
    try {
      await bare.whenAllRunning();
      const at = grpcTarget(bare.services(), "user-service");
      await expect(describeGrpc(at, "user-service")).rejects.toMatchObject({
        code: "GRPC_REFLECTION_OFF",
        message: expect.stringMatching(/does not offer server reflection \(UNIMPLEMENTED/),
      });
    } finally {
      await bare.stop();
    }
  });
});
