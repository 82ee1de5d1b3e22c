// Lesson 16.4.2 in the real sandbox: an edited .proto is regenerated on Run, so code that uses a new field builds.
import { describe, expect, it } from "vitest";
import { startRun } from "../../sandbox/index";
import { loadLesson } from "../../lib/server/lessons";
import { collect, logText, sandboxHooks } from "./helpers";

const SLUG = "grpc";
const PROTO = "services/proto/user/v1/user.proto";
const SERVER = "services/server/users.go";
const GATEWAY = "services/gateway/main.go";
const started = sandboxHooks();

/** Replaces exactly one occurrence, so a changed sample fails here loudly instead of silently not editing. */
function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  expect(at, `sample text ${JSON.stringify(from)}`).toBeGreaterThanOrEqual(0);
  expect(text.indexOf(from, at + 1), `sample text ${JSON.stringify(from)} is not unique`).toBe(-1);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

describe("lesson 16.4.2: code generation on Run", () => {
  it("regenerates the Go code from an edited .proto for the server and the gateway", async () => {
    const lesson = await loadLesson(SLUG);
    const files = { ...lesson.files };
    // The committed generated code has no role field: only regeneration makes the edits below compile.
    expect(files["services/userv1/user.pb.go"]).not.toContain("Role");

    files[PROTO] = replaceOnce(
      files[PROTO],
      "google.protobuf.Timestamp created_at = 4;",
      "google.protobuf.Timestamp created_at = 4;\n  string role = 5;",
    );
    files[PROTO] = replaceOnce(files[PROTO], "string email = 2;\n}", "string email = 2;\n  string role = 3;\n}");
    files[SERVER] = replaceOnce(
      files[SERVER],
      "return s.add(name, email), nil",
      "u := s.add(name, email)\n\tu.Role = req.GetRole()\n\treturn u, nil",
    );
    files[GATEWAY] = replaceOnce(
      files[GATEWAY],
      "writeGRPC(w, http.StatusCreated, u)",
      'w.Header().Set("X-User-Role", u.GetRole())\n\twriteGRPC(w, http.StatusCreated, u)',
    );

    const r = await startRun(SLUG, files, { owner: "it-grpc" });
    started.push(r);
    const events = collect(r);
    await r.whenAllRunning();
    expect(logText(events, "user-service")).toContain("go generate ./...");
    expect(logText(events, "user-gateway")).toContain("go generate ./...");

    // The gateway's protojson accepts "role" only if its copy of the contract was regenerated too.
    const created = await r.request({
      service: "user-gateway",
      method: "POST",
      path: "/users",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: "王五", email: "wangwu@example.com", role: "admin" }),
    });
    expect(created.status, created.body).toBe(201);
    expect(created.headers["x-user-role"]).toBe("admin");
    const body = JSON.parse(created.body) as { grpcCode: string; response: { id: string; role?: string } };
    expect(body.grpcCode).toBe("OK");
    expect(body.response.role).toBe("admin");

    const fetched = await r.request({ service: "user-gateway", method: "GET", path: `/users/${body.response.id}` });
    expect(fetched.status).toBe(200);
    expect(JSON.parse(fetched.body)).toMatchObject({ response: { name: "王五", role: "admin" } });
    await r.stop();
  });

  it("shows protoc's error when the edited .proto does not parse", async () => {
    const lesson = await loadLesson(SLUG);
    const files = { ...lesson.files };
    files[PROTO] = replaceOnce(files[PROTO], "string email = 2;\n}", "string email = 2\n}");
    const r = await startRun(SLUG, files, { owner: "it-grpc" });
    started.push(r);
    const events = collect(r);
    await expect(r.whenAllRunning()).rejects.toThrow(/user-service failed: build failed/);
    expect(logText(events, "user-service")).toMatch(/user\/v1\/user\.proto:\d+:\d+: Expected ";"/);
    await r.stop();
  });
});
