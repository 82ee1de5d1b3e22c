// The browser's side of gopls for one lesson: opens the lesson's Go files in the learner's gopls, passes edits on in
// order, asks questions, and hears diagnostics. Edits made while an open is on its way make it open again afterwards,
// so gopls never works from text the editor no longer has. Browser only; no Monaco here.
import type { GoplsDiagnostic } from "@/sandbox/gopls-results";
import type { LspPosition, LspRange } from "@/sandbox/lsp-text";

/** An edit as the editor reports it: a range of the text before it, replaced. */
export interface EditorChange {
  range: LspRange;
  text: string;
}
import { GOPLS_METHODS } from "../shared/socket-protocol";
import { call, getSocket } from "./socket";

export type GoplsMethod = (typeof GOPLS_METHODS)[number];

/** The files gopls gets: the lesson's Go sources and module files. */
export const isGoplsFile = (path: string): boolean => /(^|\/)([^/]+\.go|go\.mod|go\.sum)$/.test(path);

const OPEN_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 35_000;

export class GoplsLink {
  private opening?: Promise<void>;
  private reopen = false;
  private ready = false;
  private disposed = false;
  private readonly offConnect: () => void;

  constructor(
    readonly slug: string,
    /** The Go files as the editor has them now. */
    private readonly files: () => Record<string, string>,
    /** The file in front, whose module gopls loads first. */
    private readonly focus: () => string | undefined = () => undefined,
  ) {
    const socket = getSocket();
    // A new connection (a restarted server, a network blip) may have lost the session: open it again.
    const onConnect = (): void => void this.open().catch(() => {});
    socket.on("connect", onConnect);
    this.offConnect = () => socket.off("connect", onConnect);
  }

  /** Opens (or reopens) the lesson in gopls; resolves once gopls is up. */
  open(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (this.opening) {
      this.reopen = true;
      return this.opening;
    }
    this.ready = false;
    const files = Object.fromEntries(Object.entries(this.files()).filter(([p]) => isGoplsFile(p)));
    const focus = this.focus();
    this.opening = call(
      "gopls:open",
      { lessonSlug: this.slug, files, ...(focus && focus in files ? { focus } : {}) },
      OPEN_TIMEOUT_MS,
    )
      .then(() => {
        this.ready = true;
      })
      .finally(() => {
        this.opening = undefined;
        if (this.reopen) {
          this.reopen = false;
          void this.open().catch(() => {});
        }
      });
    return this.opening;
  }

  /** An edit of one file (in the order the editor made them). */
  change(path: string, changes: EditorChange[]): void {
    if (this.disposed || !isGoplsFile(path)) return;
    if (!this.ready) {
      // The open on its way carries older text: open again once it is done, with the text as it is then.
      if (this.opening) this.reopen = true;
      return;
    }
    getSocket().emit("gopls:change", { lessonSlug: this.slug, path, changes });
  }

  async request(method: GoplsMethod, path: string, position?: LspPosition, newName?: string): Promise<unknown> {
    if (this.opening) await this.opening.catch(() => {});
    const { result } = await call(
      "gopls:request",
      { lessonSlug: this.slug, method, path, position, ...(newName === undefined ? {} : { newName }) },
      REQUEST_TIMEOUT_MS,
    );
    return result;
  }

  source(path: string): Promise<{ text: string; truncated: boolean }> {
    return call("gopls:source", { lessonSlug: this.slug, path }, REQUEST_TIMEOUT_MS);
  }

  onDiagnostics(listener: (path: string, diagnostics: GoplsDiagnostic[]) => void): () => void {
    const socket = getSocket();
    const handler = (m: { lessonSlug: string; path: string; diagnostics: GoplsDiagnostic[] }): void => {
      if (m.lessonSlug === this.slug) listener(m.path, m.diagnostics);
    };
    socket.on("gopls:diagnostics", handler);
    return () => socket.off("gopls:diagnostics", handler);
  }

  dispose(): void {
    this.disposed = true;
    this.offConnect();
  }
}
