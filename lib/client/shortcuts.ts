// The workspace's keyboard shortcuts: Ctrl/Cmd+Enter runs, Ctrl/Cmd+S saves (and never opens "Save page as").
export type Shortcut = "run" | "save";

type Keys = Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey" | "shiftKey">;

export function shortcutOf(e: Keys): Shortcut | null {
  if (!e.ctrlKey && !e.metaKey) return null;
  if (e.key === "Enter") return "run";
  if (!e.altKey && !e.shiftKey && e.key.toLowerCase() === "s") return "save";
  return null;
}
