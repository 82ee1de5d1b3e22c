// One gopls process in a sandbox container without any network: the lesson's Go files are unpacked into its
// workspace, then it speaks LSP (JSON-RPC with Content-Length framing) over the container's stdin and stdout. This
// file only starts it, says hello, carries requests and answers, and answers gopls's own few requests to its client.
import type { Backend, SandboxProcess, Started } from "./backend";
import { packFiles } from "./files";
import { encodeLsp, LspFramingError, LspReader, type JsonRpcMessage } from "./lsp-framing";
import {
  GOPLS_CPUS,
  GOPLS_MAX_MESSAGE_BYTES,
  GOPLS_MAX_SOURCE_BYTES,
  GOPLS_MEMORY_BYTES,
  GOPLS_PIDS,
  GOPLS_START_TIMEOUT_MS,
  GOPLS_TMPFS_BYTES,
} from "./limits";
import { SERVICE_LABEL } from "./labels";
import type { LessonFiles } from "./types";

/** Where run-gopls.sh unpacks the lesson inside the container, as gopls sees it. */
export const GOPLS_WORKSPACE = "/work/src";
export const WORKSPACE_URI = `file://${GOPLS_WORKSPACE}`;
const USER = "1000:1000";

/**
 * gopls's settings: what the editor shows, nothing that runs a learner's code or reaches out (no vulncheck, no
 * code lenses whose commands would run `go generate` or tests; the page never sends commands anyway).
 */
export const GOPLS_SETTINGS = {
  hoverKind: "FullDocumentation",
  linksInHover: false,
  usePlaceholders: true,
  completeUnimported: true,
  staticcheck: false,
  vulncheck: "Off",
  codelenses: {
    generate: false,
    regenerate_cgo: false,
    run_govulncheck: false,
    tidy: false,
    upgrade_dependency: false,
    vendor: false,
    test: false,
  },
  semanticTokens: false,
};

export class GoplsError extends Error {
  constructor(
    message: string,
    /** gopls answered with this error (e.g. "invalid identifier"), rather than failing to answer. */
    readonly fromServer = false,
  ) {
    super(message);
  }
}

export interface GoplsServerOptions {
  backend: Backend;
  image: string;
  /** Unique among the machine's gopls containers (the container's name is derived from it). */
  name: string;
  labels: Record<string, string>;
  /** The lesson's Go files (lesson-relative paths), unpacked into the workspace before gopls starts. */
  files: LessonFiles;
  /** Folders of the Go modules to load at once ("" is the lesson's root); others load when a file of theirs opens. */
  folders: string[];
  /** A notification from gopls (diagnostics, progress, log messages). */
  onNotification(method: string, params: unknown): void;
  /** It exited, crashed, or broke the protocol; every pending request has been rejected. */
  onEnd(reason: string): void;
}

interface Pending {
  resolve(result: unknown): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class GoplsServer {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private endReason?: string;
  private readonly reader = new LspReader(GOPLS_MAX_MESSAGE_BYTES);

  private constructor(
    private readonly opts: GoplsServerOptions,
    private readonly process: SandboxProcess,
    private started?: Started,
  ) {}

  /** Creates the container, unpacks the files, and completes LSP's initialize handshake. */
  static async start(opts: GoplsServerOptions): Promise<GoplsServer> {
    const archive = await packFiles(opts.files);
    const sandboxed = await opts.backend.create(null, {
      name: opts.name,
      image: opts.image,
      cmd: ["/bin/sh", "/opt/playground/run-gopls.sh"],
      user: USER,
      hostname: "gopls",
      aliases: [],
      // Not the workspace itself: the engine would make it, as root, before the script could.
      workingDir: "/tmp",
      env: {
        PLAYGROUND_TAR_BYTES: String(archive.length),
        HOME: "/tmp",
        // The image's cache of gopls's own results for the lessons' modules (type information, export data),
        // warmed at image build and read-only here: gopls reads it and ignores that it cannot add to it.
        GOPLSCACHE: "/opt/goplscache",
        // go list (which gopls runs) records small entries in the build cache; the image's is read-only.
        GOCACHE: "/tmp/gocache",
      },
      labels: { ...opts.labels, [SERVICE_LABEL]: "gopls" },
      ports: [],
      tmpfs: {
        "/tmp": `rw,noexec,nosuid,nodev,size=${GOPLS_TMPFS_BYTES},uid=1000,gid=1000`,
        "/work": `rw,noexec,nosuid,nodev,size=${GOPLS_TMPFS_BYTES},uid=1000,gid=1000`,
      },
      memoryBytes: GOPLS_MEMORY_BYTES,
      cpus: GOPLS_CPUS,
      pids: GOPLS_PIDS,
      stdin: true,
    });
    const server = new GoplsServer(opts, sandboxed);
    try {
      server.started = await sandboxed.start({
        data: (stream, data) => {
          if (stream === "stdout") server.onData(data);
          else if (globalThis.process.env.GOPLS_DEBUG) console.error("[gopls]", data.toString());
          // stderr is gopls's own log: not read (the engine's attach stream drops it with the frame).
        },
        end: () => server.end("gopls stopped"),
        fault: (err) => server.end(`gopls's output could not be read: ${String(err)}`),
      });
      void server.started.exited.then((code) => server.end(`gopls exited (${code})`));
      server.started.stdin?.write(archive);
      const folders = opts.folders.map((dir) => ({
        uri: dir ? `${WORKSPACE_URI}/${dir}` : WORKSPACE_URI,
        name: dir || "lesson",
      }));
      await server.request(
        "initialize",
        {
          processId: null,
          clientInfo: { name: "go-microservices-playground" },
          rootUri: folders[0]?.uri ?? WORKSPACE_URI,
          workspaceFolders: folders,
          initializationOptions: GOPLS_SETTINGS,
          capabilities: CLIENT_CAPABILITIES,
        },
        GOPLS_START_TIMEOUT_MS,
      );
      server.notify("initialized", {});
    } catch (err) {
      server.end("gopls did not start");
      throw err;
    }
    return server;
  }

  get ended(): boolean {
    return this.endReason !== undefined;
  }

  request<T>(method: string, params: unknown, timeoutMs: number): Promise<T> {
    if (this.endReason) return Promise.reject(new GoplsError(this.endReason));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        // gopls goes on with other requests; this one is abandoned.
        this.notify("$/cancelRequest", { id });
        reject(new GoplsError(`gopls did not answer ${method} within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject, timer });
      this.send({ jsonrpc: "2.0", id, method, params });
    });
  }

  notify(method: string, params: unknown): void {
    if (this.endReason) return;
    this.send({ jsonrpc: "2.0", method, params });
  }

  /** A file of the image (a module's or the standard library's source), read inside the container. */
  readSource(path: string): Promise<{ text: string; truncated: boolean }> {
    return this.process.readFile(path, USER, GOPLS_MAX_SOURCE_BYTES);
  }

  /** Removes the container; pending requests fail. */
  async close(): Promise<void> {
    this.end("gopls was closed");
    await this.process.remove().catch(() => {});
  }

  private send(message: JsonRpcMessage): void {
    this.started?.stdin?.write(encodeLsp(message));
  }

  private onData(chunk: Buffer): void {
    if (this.endReason) return;
    let messages: JsonRpcMessage[];
    try {
      messages = this.reader.push(chunk);
    } catch (err) {
      // A broken stream cannot be resynchronised: this gopls is done, the next request starts a new one.
      this.end(err instanceof LspFramingError ? err.message : String(err));
      void this.process.remove().catch(() => {});
      return;
    }
    for (const message of messages) this.dispatch(message);
  }

  private dispatch(message: JsonRpcMessage): void {
    if (globalThis.process.env.GOPLS_DEBUG)
      console.error("[lsp<]", Date.now() % 100000, JSON.stringify(message).slice(0, 300));
    if (message.method !== undefined && message.id !== undefined && message.id !== null) {
      this.send({ jsonrpc: "2.0", id: message.id, ...answerServerRequest(message.method, message.params) });
    } else if (message.method !== undefined) {
      this.opts.onNotification(message.method, message.params);
    } else if (typeof message.id === "number") {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      clearTimeout(pending.timer);
      if (message.error) pending.reject(new GoplsError(String(message.error.message).slice(0, 500), true));
      else pending.resolve(message.result ?? null);
    }
  }

  private end(reason: string): void {
    if (this.endReason) return;
    this.endReason = reason;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new GoplsError(reason));
    }
    this.pending.clear();
    void this.process.remove().catch(() => {});
    this.opts.onEnd(reason);
  }
}

/** What this client answers to gopls's requests: its settings, and a polite "no" to everything else. */
function answerServerRequest(method: string, params: unknown): Pick<JsonRpcMessage, "result" | "error"> {
  switch (method) {
    case "workspace/configuration": {
      const items = (params as { items?: unknown[] } | null)?.items;
      return { result: Array.isArray(items) ? items.slice(0, 100).map(() => GOPLS_SETTINGS) : [] };
    }
    case "window/workDoneProgress/create":
    case "client/registerCapability":
    case "client/unregisterCapability":
    case "window/showMessageRequest":
    case "window/showDocument":
      return { result: null };
    case "workspace/applyEdit":
      return { result: { applied: false } };
    default:
      return { error: { code: -32601, message: `${method} is not supported by this client` } };
  }
}

const MARKUP = ["markdown", "plaintext"];

/** What the editor can show; gopls shapes its answers to it. */
const CLIENT_CAPABILITIES = {
  general: { positionEncodings: ["utf-16"] },
  workspace: { configuration: true, workspaceFolders: true, applyEdit: false },
  textDocument: {
    synchronization: { dynamicRegistration: false, didSave: false, willSave: false },
    completion: {
      contextSupport: true,
      completionItem: {
        snippetSupport: true,
        documentationFormat: MARKUP,
        deprecatedSupport: true,
        tagSupport: { valueSet: [1] },
        insertReplaceSupport: false,
      },
    },
    hover: { contentFormat: MARKUP },
    signatureHelp: {
      contextSupport: true,
      signatureInformation: {
        documentationFormat: MARKUP,
        parameterInformation: { labelOffsetSupport: true },
        activeParameterSupport: true,
      },
    },
    definition: { linkSupport: false },
    formatting: {},
    codeAction: {
      codeActionLiteralSupport: { codeActionKind: { valueSet: ["source.organizeImports", "quickfix"] } },
      resolveSupport: { properties: ["edit"] },
    },
    publishDiagnostics: { relatedInformation: false, versionSupport: true, tagSupport: { valueSet: [1, 2] } },
  },
};
