// What the terminals share (the log panes and the shell): their colours in both themes, and their text for tests.
import type { ITheme, Terminal } from "@xterm/xterm";

export const TERMINAL_THEMES: Record<"dark" | "light", ITheme> = {
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

/** A terminal's text as it shows it (wrapped lines joined), for the end-to-end tests. */
export function bufferText(term: Terminal): string {
  const buffer = term.buffer.active;
  let out = "";
  for (let i = 0; i < buffer.length; i++) {
    const line = buffer.getLine(i);
    if (!line) continue;
    out += (line.isWrapped || i === 0 ? "" : "\n") + line.translateToString(true);
  }
  return out;
}
