// One socket's side of gopls: the lesson's Go files opened in the learner's gopls (the engine's pool keeps one per
// learner), edits passed on in order, questions answered, and the diagnostics of every file sent back to this tab.
import type { GoplsPool, LspChange, LspPosition, GoplsMethod, GoplsDiagnostic } from "../../sandbox/index";

/** What a socket can send to its tab. */
export interface GoplsSocket {
  diagnostics(lessonSlug: string, path: string, diagnostics: GoplsDiagnostic[]): void;
}

export class SocketGopls {
  constructor(
    private readonly pool: GoplsPool,
    private readonly owner: string,
    private readonly socket: GoplsSocket,
  ) {}

  async open(lessonSlug: string, files: Record<string, string>, focus?: string): Promise<void> {
    const session = await this.pool.session(this.owner, lessonSlug);
    await session.open(
      files,
      { diagnostics: (path, diagnostics) => this.socket.diagnostics(lessonSlug, path, diagnostics) },
      focus,
    );
  }

  /** An edit: applied if the lesson is open in gopls for this learner; a bad one is dropped (the editor resyncs). */
  change(lessonSlug: string, path: string, changes: LspChange[]): void {
    try {
      this.pool.find(this.owner, lessonSlug)?.change(path, changes);
    } catch {
      // A path not of the lesson, or a file grown past its limit: nothing reaches gopls.
    }
  }

  async request(
    lessonSlug: string,
    method: GoplsMethod,
    path: string,
    position?: LspPosition,
    newName?: string,
  ): Promise<unknown> {
    return (await this.pool.session(this.owner, lessonSlug)).request(method, path, position, newName);
  }

  async source(lessonSlug: string, path: string): Promise<{ text: string; truncated: boolean }> {
    return (await this.pool.session(this.owner, lessonSlug)).source(path);
  }
}
