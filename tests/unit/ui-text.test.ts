// The interface's words (lib/shared/ui-text): one table, both languages for every key, features under their prefix.
import { describe, expect, it } from "vitest";
import { t, tf, UI, type UiKey } from "@/lib/shared/ui-text";

describe("ui text", () => {
  it("has Chinese and English for every key", () => {
    for (const [key, text] of Object.entries(UI)) {
      expect(text.zh.trim(), `${key} zh`).not.toBe("");
      expect(text.en.trim(), `${key} en`).not.toBe("");
    }
  });

  it("keeps each feature's words under its prefix", () => {
    expect(t("en", "grpc.call")).toBe("Call");
    expect(t("zh", "grpc.tabGrpc")).toBe("gRPC 调用");
    expect(t("en", "traces.serviceMap")).toBe("Service map");
    expect(t("en", "service")).toBe("Service");
    const keys = Object.keys(UI) as UiKey[];
    expect(keys.filter((k) => k.startsWith("traces.")).length).toBeGreaterThan(30);
  });

  it("fills holes and leaves unknown ones visible", () => {
    expect(tf("en", "serviceOutput", { name: "monolith" })).toBe("monolith output");
    expect(tf("zh", "liveSending", {})).toBe("正在发送 {file}…");
  });

  it("names the same holes in both languages", () => {
    const holes = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [key, text] of Object.entries(UI)) expect(holes(text.zh), key).toEqual(holes(text.en));
  });
});
