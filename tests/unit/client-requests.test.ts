// The page's one way to reach a run's services (lib/client/requests): payloads on the run, errors in one shape.
import { describe, expect, it } from "vitest";
import { CallError } from "@/lib/client/socket";
import { asProtocolError, NO_RUN_ERROR, onRun, REQUEST_TIMEOUTS_MS, runRequest } from "@/lib/client/requests";

describe("requests to a run", () => {
  it("puts the run on the panel's payload, for HTTP and gRPC alike", () => {
    expect(onRun("r1", { service: "user-service" })).toEqual({ runId: "r1", service: "user-service" });
    const call = { service: "s", grpcService: "user.UserService", method: "GetUser", requestJson: "{}" };
    expect(onRun<"grpc:call">("r1", call)).toEqual({ ...call, runId: "r1" });
  });

  it("refuses without a run, before anything is sent", async () => {
    const err = await runRequest(null, "grpc:describe", { service: "s" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallError);
    expect((err as CallError).error).toEqual(NO_RUN_ERROR);
  });

  it("gives reflection a shorter deadline than calls", () => {
    expect(REQUEST_TIMEOUTS_MS["grpc:describe"]).toBeLessThan(REQUEST_TIMEOUTS_MS["grpc:call"]);
    expect(REQUEST_TIMEOUTS_MS["run:request"]).toBe(REQUEST_TIMEOUTS_MS["grpc:call"]);
  });

  it("words every failure as a protocol error", () => {
    const typed = { code: "BAD_REQUEST" as const, message: "bad JSON", hint: "fix it" };
    expect(asProtocolError(new CallError(typed))).toEqual(typed);
    expect(asProtocolError({ error: typed })).toEqual(typed);
    expect(asProtocolError(new Error("boom"))).toEqual({ code: "INTERNAL", message: "boom" });
    expect(asProtocolError("odd")).toEqual({ code: "INTERNAL", message: "odd" });
    expect(asProtocolError(null)).toEqual({ code: "INTERNAL", message: "null" });
  });
});
