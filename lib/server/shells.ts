// Which tab reads which run's shell: opening it attaches this socket (moving it from another tab), keystrokes,
// sizes and acks go to the shell this socket has open, and its output comes back on this socket only.
import type { RunHandle, ShellHandle } from "../../sandbox/index";

/** What a socket can send to its tab. */
export interface ShellSocket {
  output(runId: string, data: string): void;
  closed(runId: string, reason: "exited" | "moved", code?: number): void;
}

/** The shells one socket has open, by run. */
export class SocketShells {
  private readonly open = new Map<string, { shell: ShellHandle; detach: () => void }>();

  constructor(private readonly socket: ShellSocket) {}

  async attach(run: RunHandle, size: { cols: number; rows: number }): Promise<void> {
    const runId = run.id;
    const shell = await run.openShell(size);
    this.open.get(runId)?.detach();
    const forget = (): void => {
      if (this.open.get(runId)?.shell === shell) this.open.delete(runId);
    };
    const detach = shell.attach({
      output: (data) => this.socket.output(runId, data),
      exit: (code) => {
        forget();
        this.socket.closed(runId, "exited", code);
      },
      moved: () => {
        forget();
        this.socket.closed(runId, "moved");
      },
    });
    // An exit reported during attach has already forgotten it.
    if (!shell.ended) this.open.set(runId, { shell, detach });
  }

  write(runId: string, data: string): void {
    this.open.get(runId)?.shell.write(data);
  }

  resize(runId: string, size: { cols: number; rows: number }): void {
    void this.open
      .get(runId)
      ?.shell.resize(size.cols, size.rows)
      .catch(() => {});
  }

  ack(runId: string, chars: number): void {
    this.open.get(runId)?.shell.ack(chars);
  }

  /** The socket went away: its shells stay open for the run (a reload opens them again). */
  detachAll(): void {
    for (const { detach } of this.open.values()) detach();
    this.open.clear();
  }
}
