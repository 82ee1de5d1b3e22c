"use client";
// What comes to the front by itself: the first file with compiler errors, and the terminal of a service that failed.
import { useEffect, useState } from "react";
import { ALL_PANE } from "@/lib/client/terminal-bus";
import type { RunView } from "@/lib/client/run-state";
import type { Diagnostic } from "@/sandbox/types";
import { onShellCommand } from "@/lib/client/shell-commands";
import { SHELL_PANE } from "@/components/terminal/shell-pane-id";

/** The open file; new compiler errors show the first broken file if the open one has none. */
export function useActiveFile(paths: string[], markers: Map<string, Diagnostic[]>): [string, (path: string) => void] {
  const [active, setActive] = useState(paths[0] ?? "");
  useEffect(() => {
    if (markers.size === 0 || markers.has(active)) return;
    const first = paths.find((p) => markers.has(p));
    if (first) setActive(first);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when the errors change, not on every tab switch
  }, [markers]);
  return [active, setActive];
}

/** The pane under the terminal tabs; a failed service's terminal comes to the front. */
export function useTerminalTab(view: RunView): [string, (pane: string) => void] {
  const [tab, setTab] = useState(ALL_PANE);
  const failed = view.services.find((s) => s.stage === "failed")?.name;
  useEffect(() => {
    if (failed) setTab(failed);
  }, [failed]);
  // A command block's ▶ in the lesson text runs in the shell: its tab comes forward.
  useEffect(() => onShellCommand(() => setTab(SHELL_PANE)), []);
  return [tab, setTab];
}
