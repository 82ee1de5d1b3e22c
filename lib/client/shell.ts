// The browser's side of a run's shell: opens it on the server, sends keystrokes (a paste in parts) and the terminal's
// size, acknowledges the output the terminal has written, and hears when the shell ends. Browser only.
import { MAX_SHELL_INPUT_CHARS } from "../shared/socket-protocol";
import { call, getSocket } from "./socket";

export interface ShellConnection {
  send(data: string): void;
  resize(cols: number, rows: number): void;
  /** The terminal wrote `chars` of output. */
  written(chars: number): void;
  close(): void;
}

export interface ShellListener {
  output(data: string): void;
  closed(reason: "exited" | "moved", code?: number): void;
}

/** Opens the run's shell for this tab; rejects with the server's CallError when it cannot. */
export async function openShell(
  runId: string,
  size: { cols: number; rows: number },
  listener: ShellListener,
): Promise<ShellConnection> {
  const socket = getSocket();
  const onOutput = (p: { runId: string; data: string }): void => {
    if (p.runId === runId) listener.output(p.data);
  };
  const onClosed = (p: { runId: string; reason: "exited" | "moved"; code?: number }): void => {
    if (p.runId === runId) listener.closed(p.reason, p.code);
  };
  socket.on("shell:output", onOutput);
  socket.on("shell:closed", onClosed);
  const close = (): void => {
    socket.off("shell:output", onOutput);
    socket.off("shell:closed", onClosed);
  };
  try {
    await call("shell:open", { runId, ...size }, 30_000);
  } catch (err) {
    close();
    throw err;
  }
  return {
    send: (data) => {
      for (let i = 0; i < data.length; i += MAX_SHELL_INPUT_CHARS)
        socket.emit("shell:input", { runId, data: data.slice(i, i + MAX_SHELL_INPUT_CHARS) });
    },
    resize: (cols, rows) => socket.emit("shell:resize", { runId, cols, rows }),
    written: (chars) => socket.emit("shell:ack", { runId, chars }),
    close,
  };
}
