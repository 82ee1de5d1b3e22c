// The shell's tab id among the terminal tabs (kept out of ShellPane.tsx, which loads only in the browser).
export const SHELL_PANE = "*shell";
