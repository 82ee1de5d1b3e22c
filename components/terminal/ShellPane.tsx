"use client";
// The run's shell in an xterm.js terminal: opened on the server when the tab is first shown for a run, typed into,
// resized with its pane, and opened anew (Enter) after it exits or moves to another tab. Browser only.
import { useEffect, useRef, useState } from "react";
import { Terminal } from "@xterm/xterm";
import { FitAddon } from "@xterm/addon-fit";
import "@xterm/xterm/css/xterm.css";
import { openShell, type ShellConnection } from "@/lib/client/shell";
import { onShellCommand } from "@/lib/client/shell-commands";
import { CallError } from "@/lib/client/socket";
import { t, tf, type UiLang } from "@/lib/shared/ui-text";
import { TERMINAL_THEMES, bufferText } from "./themes";
import { SHELL_PANE } from "./shell-pane-id";

export { SHELL_PANE } from "./shell-pane-id";

export interface ShellPaneProps {
  /** The live run, or null: the shell belongs to a run. */
  runId: string | null;
  /** Whether its tab is shown: the shell opens the first time it is. */
  active: boolean;
  theme: "dark" | "light";
  lang: UiLang;
  /** A Kubernetes lesson's run: its shell offers kubectl on the run's namespace rather than services by name. */
  cluster?: boolean;
}

const dim = (text: string) => `\r\n\x1b[2m${text}\x1b[0m\r\n`;

export default function ShellPane({ runId, active, theme, lang, cluster }: ShellPaneProps) {
  const host = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const fit = useRef<FitAddon | null>(null);
  const connection = useRef<ShellConnection | null>(null);
  /** Open, opening, or closed (Enter opens a new one). */
  const state = useRef<"closed" | "opening" | "open">("closed");
  const langRef = useRef(lang);
  langRef.current = lang;
  /** Commands from the lesson text waiting for the shell to open. */
  const pending = useRef<string[]>([]);
  const [askedWithoutRun, setAskedWithoutRun] = useState(false);

  // The terminal lives as long as the pane.
  useEffect(() => {
    const terminal = new Terminal({
      fontFamily: "var(--font-mono), monospace",
      fontSize: 13,
      cursorBlink: true,
      convertEol: false,
      scrollback: 5000,
      theme: TERMINAL_THEMES[theme],
    });
    const fitAddon = new FitAddon();
    terminal.loadAddon(fitAddon);
    terminal.open(host.current!);
    term.current = terminal;
    fit.current = fitAddon;
    window.__playgroundTerminals = { ...window.__playgroundTerminals, [SHELL_PANE]: () => bufferText(terminal) };
    const observer = new ResizeObserver(() => {
      if (host.current?.offsetParent === null) return; // hidden: keep the last size
      try {
        fitAddon.fit();
      } catch {
        // Not laid out yet.
      }
    });
    observer.observe(host.current!);
    const sizes = terminal.onResize(({ cols, rows }) => connection.current?.resize(cols, rows));
    return () => {
      sizes.dispose();
      observer.disconnect();
      connection.current?.close();
      connection.current = null;
      terminal.dispose();
      term.current = null;
      if (window.__playgroundTerminals) delete window.__playgroundTerminals[SHELL_PANE];
    };
    // The theme is applied by the effect below; the terminal is made once.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    if (term.current) term.current.options.theme = TERMINAL_THEMES[theme];
  }, [theme]);

  // A shell per run: typed into while open; Enter opens a new one once it closed; a new run starts afresh.
  const openRef = useRef<() => void>(() => {});
  const openedFor = useRef<string | null>(null);
  useEffect(() => {
    const terminal = term.current;
    if (!terminal || runId === null) return;
    let disposed = false;
    const open = async (): Promise<void> => {
      openedFor.current = runId;
      state.current = "opening";
      try {
        fit.current?.fit();
      } catch {
        // Not laid out yet: the server's default size until the first resize.
      }
      terminal.write(dim(t(langRef.current, "shell.opening")));
      try {
        const c = await openShell(
          runId,
          { cols: terminal.cols, rows: terminal.rows },
          {
            output: (data) => terminal.write(data, () => connection.current?.written(data.length)),
            closed: (reason, code) => {
              state.current = "closed";
              connection.current?.close();
              connection.current = null;
              terminal.write(
                dim(
                  reason === "moved"
                    ? t(langRef.current, "shell.moved")
                    : tf(langRef.current, "shell.exited", { code: String(code ?? "?") }),
                ),
              );
            },
          },
        );
        if (disposed) return c.close();
        connection.current = c;
        state.current = "open";
        terminal.focus();
        for (const command of pending.current.splice(0)) c.send(command);
      } catch (err) {
        state.current = "closed";
        const message = err instanceof CallError ? err.error.message : String(err);
        if (!disposed) terminal.write(dim(tf(langRef.current, "shell.failed", { message })));
      }
    };
    openRef.current = () => void open();
    const keys = terminal.onData((data) => {
      if (state.current === "open") connection.current?.send(data);
      else if (state.current === "closed" && data === "\r") void open();
    });
    return () => {
      disposed = true;
      keys.dispose();
      connection.current?.close();
      connection.current = null;
      state.current = "closed";
      openRef.current = () => {};
      terminal.reset();
    };
  }, [runId]);

  // A command block's ▶ in the lesson text: typed in once the shell is open (the workspace shows this tab).
  useEffect(
    () =>
      onShellCommand((text) => {
        if (runId === null) return setAskedWithoutRun(true);
        const command = `${text.trimEnd().replace(/\n/g, "\r")}\r`;
        if (state.current === "open" && connection.current) return connection.current.send(command);
        pending.current.push(command);
        if (state.current === "closed") openRef.current();
      }),
    [runId],
  );
  useEffect(() => setAskedWithoutRun(false), [runId]);

  // Opened the first time its tab shows for a run; hiding the tab keeps it open.
  useEffect(() => {
    if (active && runId !== null && openedFor.current !== runId && state.current === "closed") openRef.current();
    if (active) term.current?.focus();
  }, [active, runId]);

  return (
    <div className="terminal-pane shell-pane">
      {runId === null && (
        <p className="terminal-empty muted" role={askedWithoutRun ? "status" : undefined}>
          {t(lang, askedWithoutRun ? "shell.needsRun" : cluster ? "shell.noRunCluster" : "shell.noRun")}
        </p>
      )}
      <div
        className="terminal-host"
        ref={host}
        role="region"
        aria-label={t(lang, "shell.label")}
        hidden={runId === null}
      />
    </div>
  );
}
