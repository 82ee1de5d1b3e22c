// The workspace's keyboard shortcuts (lib/client/shortcuts).
import { describe, expect, it } from "vitest";
import { shortcutOf } from "@/lib/client/shortcuts";

const keys = (key: string, mods: Partial<Record<"ctrlKey" | "metaKey" | "altKey" | "shiftKey", boolean>> = {}) => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe("shortcuts", () => {
  it("runs on Ctrl+Enter and Cmd+Enter", () => {
    expect(shortcutOf(keys("Enter", { ctrlKey: true }))).toBe("run");
    expect(shortcutOf(keys("Enter", { metaKey: true }))).toBe("run");
  });

  it("saves on Ctrl/Cmd+S, whatever the case, but not with Alt or Shift", () => {
    expect(shortcutOf(keys("s", { ctrlKey: true }))).toBe("save");
    expect(shortcutOf(keys("S", { metaKey: true }))).toBe("save");
    expect(shortcutOf(keys("s", { ctrlKey: true, shiftKey: true }))).toBeNull();
    expect(shortcutOf(keys("s", { ctrlKey: true, altKey: true }))).toBeNull();
  });

  it("leaves plain keys and other chords alone", () => {
    expect(shortcutOf(keys("Enter"))).toBeNull();
    expect(shortcutOf(keys("s"))).toBeNull();
    expect(shortcutOf(keys("c", { ctrlKey: true }))).toBeNull();
  });
});
