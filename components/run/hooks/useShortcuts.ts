"use client";
// Ctrl/Cmd+Enter runs and Ctrl/Cmd+S saves wherever the focus is: caught before Monaco or the browser acts on them.
import { useEffect, useRef } from "react";
import { shortcutOf, type Shortcut } from "@/lib/client/shortcuts";

export function useShortcuts(actions: Record<Shortcut, () => void>): void {
  const latest = useRef(actions);
  useEffect(() => {
    latest.current = actions;
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const shortcut = shortcutOf(e);
      if (!shortcut) return;
      // Not the browser's "Save page as" dialog, and not a newline in the editor.
      e.preventDefault();
      e.stopPropagation();
      latest.current[shortcut]();
    };
    window.addEventListener("keydown", onKey, true);
    return () => window.removeEventListener("keydown", onKey, true);
  }, []);
}
