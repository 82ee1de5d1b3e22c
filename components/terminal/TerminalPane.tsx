"use client";
// One service's output in an xterm.js terminal: replays what the bus holds, then follows it. Browser only.
import { useEffect, useRef } from "react";
import { Terminal, type ITheme } from "@xterm/xterm";
import { FitAddon } from "@xterm/addon-fit";
import "@xterm/xterm/css/xterm.css";
import type { TerminalBus } from "@/lib/client-terminal-bus";

const HIDE_CURSOR = "\x1b[?25l";

const THEMES: Record<"dark" | "light", ITheme> = {
  dark: {
    background: "#0b0e14",
    foreground: "#d5dae3",
    cursor: "#0b0e14",
    selectionBackground: "#2b4a6b",
    black: "#1c2230",
    red: "#ff6b6b",
    green: "#5fd38d",
    yellow: "#f2c46d",
    blue: "#6cb6ff",
    magenta: "#d2a8ff",
    cyan: "#4fd1e8",
    white: "#d5dae3",
    brightBlack: "#6b7486",
    brightRed: "#ff8c8c",
    brightGreen: "#7ee2a4",
    brightYellow: "#f7d58f",
    brightBlue: "#8fc7ff",
    brightMagenta: "#e0c2ff",
    brightCyan: "#7fe1f2",
    brightWhite: "#ffffff",
  },
  light: {
    background: "#fbfbfd",
    foreground: "#1f2430",
    cursor: "#fbfbfd",
    selectionBackground: "#c8dcf5",
    black: "#1f2430",
    red: "#c62828",
    green: "#1b7f3b",
    yellow: "#9a6700",
    blue: "#0b5cad",
    magenta: "#8250df",
    cyan: "#007c91",
    white: "#6e7781",
    brightBlack: "#57606a",
    brightRed: "#d1242f",
    brightGreen: "#1a7f37",
    brightYellow: "#8a5a00",
    brightBlue: "#0969da",
    brightMagenta: "#8250df",
    brightCyan: "#006a7a",
    brightWhite: "#1f2430",
  },
};

declare global {
  interface Window {
    /** For the end-to-end test: the text each service's terminal shows, read from xterm's buffer. */
    __playgroundTerminals?: Record<string, () => string>;
  }
}

function bufferText(term: Terminal): string {
  const buffer = term.buffer.active;
  let out = "";
  for (let i = 0; i < buffer.length; i++) {
    const line = buffer.getLine(i);
    if (!line) continue;
    out += (line.isWrapped || i === 0 ? "" : "\n") + line.translateToString(true);
  }
  return out;
}

export interface TerminalPaneProps {
  bus: TerminalBus;
  service: string;
  theme: "dark" | "light";
  label: string;
}

export default function TerminalPane({ bus, service, theme, label }: TerminalPaneProps) {
  const host = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const initialTheme = useRef(theme);

  useEffect(() => {
    const element = host.current!;
    const terminal = new Terminal({
      convertEol: true, // container output without a TTY is LF-only
      disableStdin: true,
      cursorInactiveStyle: "none",
      fontFamily: '"JetBrains Mono", "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace',
      fontSize: 12.5,
      lineHeight: 1.25,
      scrollback: 5000,
      theme: THEMES[initialTheme.current],
    });
    const fit = new FitAddon();
    terminal.loadAddon(fit);
    terminal.open(element);
    term.current = terminal;

    // Fitting a hidden pane is a no-op; fitting after dispose throws (xterm.js #4983), hence the cancels below.
    const refit = () => {
      if (element.offsetWidth > 0 && element.offsetHeight > 0) fit.fit();
    };
    let frame = requestAnimationFrame(refit);
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(refit);
    });
    observer.observe(element);

    terminal.write(HIDE_CURSOR + bus.text(service));
    const unfollow = bus.follow(
      service,
      (text) => terminal.write(text),
      () => {
        terminal.reset();
        terminal.write(HIDE_CURSOR);
      },
    );
    window.__playgroundTerminals = { ...window.__playgroundTerminals, [service]: () => bufferText(terminal) };

    return () => {
      unfollow();
      observer.disconnect();
      cancelAnimationFrame(frame);
      if (window.__playgroundTerminals) delete window.__playgroundTerminals[service];
      term.current = null;
      terminal.dispose();
    };
  }, [bus, service]);

  useEffect(() => {
    if (term.current) term.current.options.theme = THEMES[theme];
  }, [theme]);

  return <div ref={host} className="terminal-host" role="log" aria-label={label} />;
}
