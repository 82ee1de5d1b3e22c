// One learner's gopls for one lesson: the lesson's Go files as the learner has them, their versions, the latest
// diagnostics, and a gopls process that comes and goes. It is started on the first request, removed after minutes
// without one, and started again (its documents reopened with their current text) on the next: the page never sees
// the difference, only a slower first answer.
import { GoplsError, GoplsServer, WORKSPACE_URI } from "./gopls";
import * as results from "./gopls-results";
import type { GoplsDiagnostic, GoplsFileEdits, GoplsLocation, GoplsTextEdit } from "./gopls-results";
import { SandboxError } from "./errors";
import { validateLessonPath } from "./files";
import { applyChanges, type LspChange, type LspPosition } from "./lsp-text";
import {
  GOPLS_IDLE_MS,
  GOPLS_MAX_CHANGES,
  GOPLS_MAX_OPEN_DOCUMENTS,
  GOPLS_REQUEST_TIMEOUT_MS,
  MAX_FILE_BYTES,
} from "./limits";
import type { Backend } from "./backend";
import type { LessonFiles } from "./types";

/** The files gopls gets: a lesson's Go sources and module files, nothing else of it. */
export const GOPLS_FILE = /(^|\/)([^/]+\.go|go\.mod|go\.sum)$/;

export type GoplsMethod =
  "completion" | "hover" | "signatureHelp" | "definition" | "formatting" | "organizeImports" | "references" | "rename";

/** Where diagnostics go: the tab that opened the lesson in gopls last. */
export interface GoplsListener {
  diagnostics(path: string, diagnostics: GoplsDiagnostic[]): void;
}

/** Requests one session may have waiting for gopls at once; more are refused (the editor asks again on the next key). */
const MAX_PENDING = 8;

export interface GoplsSessionDeps {
  backend: () => Promise<Backend>;
  image: () => Promise<string>;
  labels: () => Record<string, string>;
  /** Unique name of the session's next container. */
  containerName: () => string;
  /** A session is about to start gopls: the pool makes room for it (another idle one goes). */
  beforeStart(session: GoplsSession): Promise<void>;
  /** How long gopls stays without a request (GOPLS_IDLE_MS; tests make it short). */
  idleMs?: number;
}

export class GoplsSession {
  /** Current text of each file gopls has, by lesson path. */
  private files: LessonFiles = {};
  private versions = new Map<string, number>();
  /**
   * The lesson's modules (folders of its go.mod files) the learner has worked in: only their files are documents of
   * gopls, so a lesson of three services loads one module's dependencies before its first answer, not three at once.
   */
  private modules = new Set<string>();
  /** Files open as documents in the running gopls. */
  private opened = new Set<string>();
  private latest = new Map<string, GoplsDiagnostic[]>();
  private listener?: GoplsListener;
  private server?: GoplsServer;
  private starting?: Promise<GoplsServer>;
  private idleTimer?: ReturnType<typeof setTimeout>;
  private pending = 0;
  private closed = false;
  lastUsed = Date.now();

  constructor(
    readonly owner: string,
    readonly slug: string,
    /** The lesson's own Go files: the only paths this session accepts. */
    private readonly allowed: ReadonlySet<string>,
    private readonly deps: GoplsSessionDeps,
  ) {}

  /** Whether gopls runs (or is starting) for it now. */
  get running(): boolean {
    return (this.server !== undefined && !this.server.ended) || this.starting !== undefined;
  }

  /**
   * The learner's Go files of the lesson, as the editor has them: (re)opened in gopls, which starts if it is not
   * running. Diagnostics go to `listener` from now on (the latest ones at once).
   */
  async open(files: Record<string, string>, listener: GoplsListener, focus?: string): Promise<void> {
    const checked = this.checkFiles(files);
    this.listener = listener;
    for (const [path, diags] of this.latest) listener.diagnostics(path, diags);
    const server = this.server && !this.server.ended ? this.server : undefined;
    const before = this.files;
    this.files = checked;
    // The file in front first; without one, the first Go file's module.
    const first = focus && focus in checked ? focus : Object.keys(checked).find((p) => p.endsWith(".go"));
    if (first) this.modules.add(this.moduleOf(first));
    if (server) {
      // gopls is up: what changed is sent as whole documents, what went is closed.
      for (const path of Object.keys(before)) if (!(path in checked)) this.closeDocument(server, path);
      for (const [path, text] of Object.entries(checked)) {
        if (this.opened.has(path)) {
          if (before[path] !== text) this.replaceDocument(server, path, text);
        } else if (this.modules.has(this.moduleOf(path))) this.openDocument(server, path, text);
      }
    } else {
      this.versions.clear();
    }
    this.touch();
    // A lesson without Go (manifests only) has nothing for gopls: no container for it.
    if (Object.keys(checked).length === 0) return;
    await this.ensureServer().catch((err: unknown) => {
      throw unavailable(err);
    });
  }

  /**
   * An edit of one open document (incremental, as Monaco reports it). The socket keeps the order of a tab's messages,
   * so the version is this side's own count: a tab that reopens the lesson starts from its whole text again.
   */
  change(path: string, changes: LspChange[]): void {
    if (!(path in this.files)) throw new SandboxError("BAD_PATH", `${path} is not open in gopls.`);
    if (changes.length > GOPLS_MAX_CHANGES) throw new SandboxError("BAD_REQUEST", "Too many edits in one change.");
    const version = (this.versions.get(path) ?? 1) + 1;
    const text = applyChanges(this.files[path], changes);
    if (Buffer.byteLength(text, "utf8") > MAX_FILE_BYTES) {
      throw new SandboxError("FILE_TOO_LARGE", `${path} is larger than ${MAX_FILE_BYTES / 1024} KiB.`);
    }
    this.files[path] = text;
    this.versions.set(path, version);
    this.touch();
    const server = this.server;
    if (server && !server.ended) {
      if (this.opened.has(path)) {
        server.notify("textDocument/didChange", {
          textDocument: { uri: this.uri(path), version },
          contentChanges: changes,
        });
      } else this.openModule(server, path); // a file of another module: its module opens, with this text
    }
    // Not running (idled out): the text is kept; the next request starts gopls with it.
  }

  async request(method: GoplsMethod, path: string, position?: LspPosition, newName?: string): Promise<unknown> {
    if (!(path in this.files)) throw new SandboxError("BAD_PATH", `${path} is not open in gopls.`);
    if (method === "rename" && !newName) throw new SandboxError("BAD_REQUEST", "A rename needs the new name.");
    if (this.pending >= MAX_PENDING) {
      throw new SandboxError("BAD_REQUEST", "gopls is still busy with this editor's earlier requests.");
    }
    this.pending++;
    this.touch();
    try {
      const server = await this.ensureServer();
      this.openModule(server, path);
      const textDocument = { uri: this.uri(path) };
      const at = position ?? { line: 0, character: 0 };
      const ask = (m: string, params: unknown) => server.request(m, params, GOPLS_REQUEST_TIMEOUT_MS);
      switch (method) {
        case "completion":
          return results.completion(await ask("textDocument/completion", { textDocument, position: at }));
        case "hover":
          return results.hover(await ask("textDocument/hover", { textDocument, position: at }));
        case "signatureHelp":
          return results.signatureHelp(await ask("textDocument/signatureHelp", { textDocument, position: at }));
        case "definition":
          return results.locations(
            await ask("textDocument/definition", { textDocument, position: at }),
            WORKSPACE_URI,
            (p) => p in this.files,
          ) satisfies GoplsLocation[];
        case "references":
          return results.locations(
            await ask("textDocument/references", {
              textDocument,
              position: at,
              context: { includeDeclaration: true },
            }),
            WORKSPACE_URI,
            (p) => p in this.files,
          ) satisfies GoplsLocation[];
        case "rename":
          return (await this.rename(server, path, at, newName as string)) satisfies GoplsFileEdits;
        case "formatting":
          return results.textEdits(
            await ask("textDocument/formatting", { textDocument, options: { tabSize: 4, insertSpaces: false } }),
          ) satisfies GoplsTextEdit[];
        case "organizeImports":
          return (await this.organizeImports(server, path)) satisfies GoplsTextEdit[];
      }
    } catch (err) {
      throw unavailable(err);
    } finally {
      this.pending--;
      this.touch();
    }
  }

  /** A read-only source file of the image that a definition named (a module's, the standard library's). */
  async source(path: string): Promise<{ text: string; truncated: boolean }> {
    if (!results.isReadableSource(path)) {
      throw new SandboxError("BAD_PATH", "Only Go sources of the modules and the standard library can be opened.");
    }
    this.touch();
    const server = await this.ensureServer();
    try {
      return await server.readSource(path);
    } catch {
      throw new SandboxError("BAD_PATH", `${path} could not be read.`);
    }
  }

  /** Stops gopls for good (the learner opened another lesson, or the server shuts down). */
  async close(): Promise<void> {
    this.closed = true;
    this.listener = undefined;
    await this.stopServer();
  }

  /** Stops gopls until the next request (idle, or the pool needs room). */
  async stopServer(): Promise<void> {
    clearTimeout(this.idleTimer);
    const server = this.server ?? (await this.starting?.catch(() => undefined));
    this.server = undefined;
    await server?.close();
  }

  /**
   * A rename across the lesson's files. Only the modules open in gopls are searched, so every module of the lesson is
   * opened first: a name used by two services of one module set is renamed in both. What gopls refuses (not a valid
   * identifier, a name of the standard library) comes back as its own message.
   */
  private async rename(server: GoplsServer, path: string, at: LspPosition, newName: string): Promise<GoplsFileEdits> {
    for (const p of Object.keys(this.files)) this.openModule(server, p);
    let edit: unknown;
    try {
      edit = await server.request(
        "textDocument/rename",
        { textDocument: { uri: this.uri(path) }, position: at, newName },
        GOPLS_REQUEST_TIMEOUT_MS,
      );
    } catch (err) {
      if (err instanceof GoplsError && err.fromServer)
        throw new SandboxError("BAD_REQUEST", `Cannot rename: ${err.message}`);
      throw err;
    }
    const edits = results.renameEdits(edit, WORKSPACE_URI, (p) => p in this.files);
    if ("refused" in edits) throw new SandboxError("BAD_REQUEST", `Cannot rename: ${edits.refused}.`);
    return edits;
  }

  private async organizeImports(server: GoplsServer, path: string): Promise<GoplsTextEdit[]> {
    const uri = this.uri(path);
    const lines = this.files[path].split("\n").length;
    const actions = await server.request<unknown>(
      "textDocument/codeAction",
      {
        textDocument: { uri },
        range: { start: { line: 0, character: 0 }, end: { line: lines, character: 0 } },
        context: { diagnostics: [], only: ["source.organizeImports"], triggerKind: 1 },
      },
      GOPLS_REQUEST_TIMEOUT_MS,
    );
    const action = (Array.isArray(actions) ? actions : []).find(
      (a): a is Record<string, unknown> => typeof a === "object" && a !== null && a.kind === "source.organizeImports",
    );
    if (!action) return [];
    const resolved =
      action.edit === undefined
        ? await server.request<Record<string, unknown>>("codeAction/resolve", action, GOPLS_REQUEST_TIMEOUT_MS)
        : action;
    return results.codeActionEdits(resolved?.edit, uri);
  }

  private checkFiles(files: Record<string, string>): LessonFiles {
    const entries = Object.entries(files);
    if (entries.length > GOPLS_MAX_OPEN_DOCUMENTS) {
      throw new SandboxError("TOO_MANY_FILES", `gopls takes at most ${GOPLS_MAX_OPEN_DOCUMENTS} files of a lesson.`);
    }
    const out: LessonFiles = {};
    for (const [raw, text] of entries) {
      const path = validateLessonPath(raw);
      if (!GOPLS_FILE.test(path) || !this.allowed.has(path)) {
        throw new SandboxError("BAD_PATH", `${path} is not one of this lesson's Go files.`);
      }
      if (typeof text !== "string" || !text.isWellFormed()) {
        throw new SandboxError("INVALID_UTF8", `${path} is not valid UTF-8 text.`);
      }
      if (Buffer.byteLength(text, "utf8") > MAX_FILE_BYTES) {
        throw new SandboxError("FILE_TOO_LARGE", `${path} is larger than ${MAX_FILE_BYTES / 1024} KiB.`);
      }
      out[path] = text;
    }
    return out;
  }

  private uri(path: string): string {
    return `${WORKSPACE_URI}/${path}`;
  }

  /** The folder of the go.mod that holds `path` ("" for the lesson's root). */
  private moduleOf(path: string): string {
    let best = "";
    for (const p of Object.keys(this.files)) {
      if (p !== "go.mod" && !p.endsWith("/go.mod")) continue;
      const dir = p.slice(0, -"go.mod".length).replace(/\/$/, "");
      if ((dir === "" || path.startsWith(`${dir}/`)) && dir.length > best.length) best = dir;
    }
    return best;
  }

  /** Opens every file of `path`'s module as a document, if that module is not open yet. */
  private openModule(server: GoplsServer, path: string): void {
    const module = this.moduleOf(path);
    if (this.modules.has(module) && this.opened.has(path)) return;
    this.modules.add(module);
    for (const [p, text] of Object.entries(this.files)) {
      if (!this.opened.has(p) && this.moduleOf(p) === module) this.openDocument(server, p, text);
    }
  }

  private openDocument(server: GoplsServer, path: string, text: string): void {
    const version = this.versions.get(path) ?? 1;
    this.versions.set(path, version);
    this.opened.add(path);
    server.notify("textDocument/didOpen", {
      textDocument: { uri: this.uri(path), languageId: languageOf(path), version, text },
    });
  }

  private replaceDocument(server: GoplsServer, path: string, text: string): void {
    const version = (this.versions.get(path) ?? 1) + 1;
    this.versions.set(path, version);
    server.notify("textDocument/didChange", {
      textDocument: { uri: this.uri(path), version },
      contentChanges: [{ text }],
    });
  }

  private closeDocument(server: GoplsServer, path: string): void {
    if (!this.opened.delete(path)) return;
    this.versions.delete(path);
    this.latest.delete(path);
    server.notify("textDocument/didClose", { textDocument: { uri: this.uri(path) } });
  }

  private ensureServer(): Promise<GoplsServer> {
    if (this.closed) return Promise.reject(new SandboxError("BAD_REQUEST", "This lesson's gopls was closed."));
    if (this.server && !this.server.ended) return Promise.resolve(this.server);
    this.starting ??= this.startServer().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async startServer(): Promise<GoplsServer> {
    await this.deps.beforeStart(this);
    const [backend, image] = await Promise.all([this.deps.backend(), this.deps.image()]);
    let server: GoplsServer | undefined = undefined;
    server = await GoplsServer.start({
      backend,
      image,
      name: this.deps.containerName(),
      labels: this.deps.labels(),
      files: this.files,
      folders: [...this.modules],
      onNotification: (method, params) => this.onNotification(method, params),
      onEnd: () => {
        if (this.server === server) this.server = undefined;
      },
    });
    if (this.closed || server.ended) {
      await server.close();
      throw new SandboxError("BAD_REQUEST", "This lesson's gopls was closed.");
    }
    this.server = server;
    // Every file of the modules worked in is a document: gopls diagnoses them all, and a restarted gopls has them back.
    this.opened.clear();
    for (const [path, text] of Object.entries(this.files)) {
      if (this.modules.has(this.moduleOf(path))) this.openDocument(server, path, text);
    }
    return server;
  }

  private onNotification(method: string, params: unknown): void {
    if (method !== "textDocument/publishDiagnostics" || typeof params !== "object" || params === null) return;
    const { uri, diagnostics } = params as { uri?: unknown; diagnostics?: unknown };
    const where = results.locate(uri, WORKSPACE_URI, (p) => p in this.files);
    if (!where || !("path" in where)) return;
    const list = results.diagnostics(diagnostics);
    this.latest.set(where.path, list);
    this.listener?.diagnostics(where.path, list);
  }

  private touch(): void {
    this.lastUsed = Date.now();
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.pending === 0) void this.stopServer();
    }, this.deps.idleMs ?? GOPLS_IDLE_MS);
    this.idleTimer.unref();
  }
}

/** gopls's own failures (it exited, broke the protocol, or was too slow) as the page words them. */
function unavailable(err: unknown): unknown {
  if (!(err instanceof GoplsError)) return err;
  return new SandboxError(
    "GOPLS_UNAVAILABLE",
    `gopls: ${err.message}`,
    "The editor asks again as you type; Run still works without it.",
  );
}

function languageOf(path: string): string {
  if (path.endsWith(".go")) return "go";
  if (path.endsWith("go.mod")) return "go.mod";
  return "go.sum";
}
