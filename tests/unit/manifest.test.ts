import { describe, expect, it } from "vitest";
import { manifestSchema } from "../../lib/shared/lesson-schema";
import { listLessons, loadLesson } from "../../lib/server/lessons";
import { evaluateCheck } from "../../sandbox/checks";

const base = {
  section: "16.1",
  title: { zh: "标题", en: "Title" },
  summary: { zh: "摘要", en: "Summary" },
  services: [{ name: "api", dir: "services/api", port: 8080 }],
};

describe("manifest schema", () => {
  it("accepts a minimal manifest and fills defaults", () => {
    const m = manifestSchema.parse(base);
    expect(m.services[0]).toMatchObject({ protocol: "http", env: {}, dependsOn: [] });
    expect(m.checks).toEqual([]);
  });

  it("rejects unknown dependencies, duplicate names and requests to unknown services", () => {
    const bad = (patch: object): boolean => !manifestSchema.safeParse({ ...base, ...patch }).success;
    expect(bad({ services: [{ name: "api", dir: "services/api", port: 8080, dependsOn: ["db"] }] })).toBe(true);
    expect(
      bad({
        services: [
          { name: "api", dir: "a", port: 1 },
          { name: "api", dir: "b", port: 2 },
        ],
      }),
    ).toBe(true);
    expect(bad({ requests: [{ name: { zh: "x", en: "x" }, service: "nope", path: "/" }] })).toBe(true);
  });

  it("rejects paths outside the lesson, bad names, ports and sections", () => {
    const bad = (svc: object): boolean => !manifestSchema.safeParse({ ...base, services: [svc] }).success;
    expect(bad({ name: "api", dir: "../api", port: 8080 })).toBe(true);
    expect(bad({ name: "api", dir: "/abs", port: 8080 })).toBe(true);
    expect(bad({ name: "API", dir: "a", port: 8080 })).toBe(true);
    expect(bad({ name: "api", dir: "a", port: 70000 })).toBe(true);
    expect(manifestSchema.safeParse({ ...base, section: "17.1" }).success).toBe(false);
  });
});

describe("the lessons folder", () => {
  it("holds valid lessons in chapter order, each with text in both languages", async () => {
    const lessons = await listLessons();
    expect(lessons.length).toBeGreaterThan(0);
    expect(lessons[0].section).toBe("16.1");
    for (const summary of lessons) {
      const lesson = await loadLesson(summary.slug);
      expect(lesson.text.zh.length, summary.slug).toBeGreaterThan(100);
      expect(lesson.text.en.length, summary.slug).toBeGreaterThan(100);
    }
  });

  it("16.1 has its monolith and user-service as real Go files", async () => {
    const lesson = await loadLesson("monolith-vs-microservices");
    expect(lesson.manifest.services.map((s) => s.name).sort()).toEqual(["monolith", "user-service"]);
    for (const s of lesson.manifest.services) {
      expect(lesson.files[`${s.dir}/main.go`]).toMatch(/^package main/m);
      expect(lesson.files[`${s.dir}/go.mod`]).toMatch(/^module /m);
    }
  });

  it("rejects an unknown lesson", async () => {
    await expect(loadLesson("no-such-lesson")).rejects.toThrow(/unknown lesson/);
  });
});

describe("check evaluation", () => {
  const check = {
    name: { zh: "x", en: "users" },
    service: "api",
    method: "GET" as const,
    path: "/users",
    headers: {},
    expect: { status: 200, bodyContains: ["Alice"], json: { count: 2 } },
  };
  const res = (status: number, body: string) => ({
    status,
    statusText: "",
    headers: {},
    body,
    bodyTruncated: false,
    durationMs: 1,
  });

  it("passes when status, text and JSON fields match", () => {
    expect(evaluateCheck(check, res(200, '{"count":2,"names":["Alice"]}')).ok).toBe(true);
  });

  it("lists every problem", () => {
    const r = evaluateCheck(check, res(500, "oops"));
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual(["status 500, expected 200", 'body lacks "Alice"', "body is not JSON"]);
    expect(evaluateCheck(check, res(200, '{"count":3,"n":"Alice"}')).problems).toEqual(["json.count is 3, expected 2"]);
  });
});
