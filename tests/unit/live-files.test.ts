// Live files: the manifest field, which services re-read a file, the answer for one they do not, and the payload.
import { describe, expect, it } from "vitest";
import { serviceSchema } from "@/lib/shared/lesson-schema";
import { loadLesson } from "@/lib/server/lessons";
import { updateFilesPayload, MAX_LIVE_FILES } from "@/lib/shared/socket-protocol";
import { liveFileReaders, notLiveMessage } from "@/sandbox/live-files";

const base = { name: "config-service", dir: "services/config-service", port: 8080 };

describe("liveFiles in the manifest", () => {
  it("takes paths inside the service folder", () => {
    const s = serviceSchema.parse({ ...base, liveFiles: ["config.yaml", "conf/app.toml"] });
    expect(s.liveFiles).toEqual(["config.yaml", "conf/app.toml"]);
    expect(serviceSchema.parse(base).liveFiles).toBeUndefined();
  });

  it("refuses paths that leave the service folder or are absolute", () => {
    for (const bad of ["../other/config.yaml", "/etc/passwd", "a/../../b", "./config.yaml", "", "a b.yaml"]) {
      expect(serviceSchema.safeParse({ ...base, liveFiles: [bad] }).success, bad).toBe(false);
    }
  });

  it("is set for config-service in the configuration lesson", async () => {
    const lesson = await loadLesson("configuration");
    const svc = lesson.manifest.services.find((s) => s.name === "config-service");
    expect(svc?.liveFiles).toEqual(["config.yaml"]);
  });
});

describe("liveFileReaders", () => {
  const services = [
    { name: "config-service", dir: "services/config-service", liveFiles: ["config.yaml"] },
    { name: "other", dir: "services/other/", liveFiles: [] },
    { name: "built", dir: "services/built", liveFiles: ["config.yaml"], build: { dockerfile: "Dockerfile" } },
  ];

  it("finds the service that re-reads the file", () => {
    expect(liveFileReaders(services, "services/config-service/config.yaml")).toEqual({
      live: ["config-service"],
      startupOnly: [],
    });
  });

  it("names a service that reads a file of its folder only at start-up", () => {
    expect(liveFileReaders(services, "services/config-service/main.go")).toEqual({
      live: [],
      startupOnly: ["config-service"],
    });
    expect(liveFileReaders(services, "services/other/config.yaml")).toEqual({ live: [], startupOnly: ["other"] });
  });

  it("does not match a folder that only shares a prefix, nor an image built from a Dockerfile", () => {
    expect(liveFileReaders(services, "services/config-service-2/config.yaml").live).toEqual([]);
    expect(liveFileReaders(services, "services/built/config.yaml")).toEqual({ live: [], startupOnly: ["built"] });
  });

  it("words the answer for a file no running service re-reads", () => {
    expect(notLiveMessage("services/config-service/main.go", ["config-service"])).toBe(
      "main.go is read at start-up only by config-service; press Run to apply it.",
    );
    expect(notLiveMessage("README.md", [])).toBe("README.md is not read by a running service; press Run to apply it.");
  });
});

describe("run:update-files payload", () => {
  it("takes a run id and one to a few files", () => {
    expect(updateFilesPayload.safeParse({ runId: "r1", files: { "a/b.yaml": "x: 1" } }).success).toBe(true);
  });

  it("refuses no files, too many files, non-text contents and extra fields", () => {
    const many = Object.fromEntries(Array.from({ length: MAX_LIVE_FILES + 1 }, (_, i) => [`f${i}.yaml`, ""]));
    expect(updateFilesPayload.safeParse({ runId: "r1", files: {} }).success).toBe(false);
    expect(updateFilesPayload.safeParse({ runId: "r1", files: many }).success).toBe(false);
    expect(updateFilesPayload.safeParse({ runId: "r1", files: { "a.yaml": 3 } }).success).toBe(false);
    expect(updateFilesPayload.safeParse({ files: { "a.yaml": "" } }).success).toBe(false);
    expect(updateFilesPayload.safeParse({ runId: "r1", files: { "a.yaml": "" }, extra: 1 }).success).toBe(false);
  });
});
