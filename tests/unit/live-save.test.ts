// What Ctrl/Cmd+S does for the open file and how the server's answer reads (lib/client/live-save).
import { describe, expect, it } from "vitest";
import { planSave, saveAnswer } from "@/lib/client/live-save";

const LIVE = { "services/config-service/config.yaml": ["config-service"] };
const CONFIG = "services/config-service/config.yaml";

describe("planning a save", () => {
  it("keeps a file no service re-reads in the browser only", () => {
    expect(planSave("services/config-service/main.go", LIVE, true)).toEqual({
      kind: "local",
      line: { tone: "info", key: "savedLocally", vars: { file: "main.go" } },
    });
    expect(planSave("main.go", undefined, true).kind).toBe("local");
  });

  it("asks for a Run when the live file's service is not running", () => {
    expect(planSave(CONFIG, LIVE, false)).toEqual({
      kind: "not-running",
      line: { tone: "info", key: "liveNotRunning", vars: { file: "config.yaml", services: "config-service" } },
    });
  });

  it("sends a live file into the running service", () => {
    const plan = planSave(CONFIG, LIVE, true);
    expect(plan).toMatchObject({ kind: "send", file: "config.yaml", services: ["config-service"] });
    expect(plan.line).toMatchObject({ key: "liveSending" });
  });
});

describe("the answer to a save", () => {
  const plan = planSave(CONFIG, LIVE, true) as Extract<ReturnType<typeof planSave>, { kind: "send" }>;
  const result = { path: CONFIG, updated: [], failed: [], message: "" };

  it("names the services that got it", () => {
    expect(saveAnswer(plan, { ...result, updated: ["config-service"] })).toEqual({
      tone: "ok",
      key: "liveSent",
      vars: { file: "config.yaml", services: "config-service" },
    });
  });

  it("says when nothing changed", () => {
    expect(saveAnswer(plan, { ...result, unchanged: true })).toMatchObject({ tone: "info", key: "liveUnchanged" });
  });

  it("shows the server's own words for a failure, and the file when there is no answer", () => {
    expect(saveAnswer(plan, { ...result, failed: ["config-service"], message: "not valid YAML" })).toEqual({
      tone: "error",
      text: "not valid YAML",
    });
    expect(saveAnswer(plan, undefined)).toEqual({ tone: "error", text: "config.yaml" });
  });
});
