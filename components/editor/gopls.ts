// gopls in Monaco: completion, hover, signature help, go to definition, find references, rename across the lesson's
// files, diagnostics as markers, and gofmt plus organize imports on save, each through Monaco's own provider API over
// the lesson's GoplsLink. A module's source that a definition points at opens read-only in a tab of its own. Browser
// only.
import { monaco } from "./monaco-setup";
import { GoplsLink, isGoplsFile } from "@/lib/client/gopls";
import { openCode } from "@/lib/client/code-links";
import type {
  GoplsCompletion,
  GoplsDiagnostic,
  GoplsFileEdits,
  GoplsHover,
  GoplsLocation,
  GoplsSignatureHelp,
  GoplsTextEdit,
} from "@/sandbox/gopls-results";
import type { LspRange } from "@/sandbox/lsp-text";

const MARKER_OWNER = "gopls";

declare global {
  interface Window {
    /** For the end-to-end test: whether the lesson's gopls has started (its first answers wait for that). */
    __playgroundGopls?: "starting" | "ready" | "failed";
  }
}
/** Models of read-only sources (a module's, the standard library's) live under this scheme. */
export const SOURCE_SCHEME = "gosrc";

/** The lesson file behind a model of this lesson, or undefined for any other model. */
function lessonPath(model: monaco.editor.ITextModel, slug: string): string | undefined {
  const uri = model.uri;
  if (uri.scheme !== "file" || !uri.path.startsWith(`/${slug}/`)) return undefined;
  const path = uri.path.slice(slug.length + 2);
  return isGoplsFile(path) ? path : undefined;
}

const toLsp = (p: monaco.IPosition) => ({ line: p.lineNumber - 1, character: p.column - 1 });

const toRange = (r: LspRange): monaco.IRange => ({
  startLineNumber: r.start.line + 1,
  startColumn: r.start.character + 1,
  endLineNumber: r.end.line + 1,
  endColumn: r.end.character + 1,
});

const toEdit = (e: GoplsTextEdit): monaco.languages.TextEdit => ({ range: toRange(e.range), text: e.newText });

/** LSP's CompletionItemKind (1-based) → Monaco's. */
function completionKind(kind: number | undefined): monaco.languages.CompletionItemKind {
  const K = monaco.languages.CompletionItemKind;
  const byLsp: Record<number, monaco.languages.CompletionItemKind> = {
    1: K.Text,
    2: K.Method,
    3: K.Function,
    4: K.Constructor,
    5: K.Field,
    6: K.Variable,
    7: K.Class,
    8: K.Interface,
    9: K.Module,
    10: K.Property,
    11: K.Unit,
    12: K.Value,
    13: K.Enum,
    14: K.Keyword,
    15: K.Snippet,
    16: K.Color,
    17: K.File,
    18: K.Reference,
    19: K.Folder,
    20: K.EnumMember,
    21: K.Constant,
    22: K.Struct,
    23: K.Event,
    24: K.Operator,
    25: K.TypeParameter,
  };
  return byLsp[kind ?? 1] ?? K.Text;
}

function severity(s: number): monaco.MarkerSeverity {
  if (s === 1) return monaco.MarkerSeverity.Error;
  if (s === 2) return monaco.MarkerSeverity.Warning;
  if (s === 3) return monaco.MarkerSeverity.Info;
  return monaco.MarkerSeverity.Hint;
}

function markers(diagnostics: GoplsDiagnostic[]): monaco.editor.IMarkerData[] {
  return diagnostics.map((d) => ({
    ...toRange(d.range),
    severity: severity(d.severity),
    message: d.message,
    source: d.source ?? "gopls",
    code: d.code,
  }));
}

/** The model of a read-only source, made from gopls's container the first time it is asked for. */
async function sourceModel(link: GoplsLink, path: string): Promise<monaco.Uri> {
  const uri = monaco.Uri.from({ scheme: SOURCE_SCHEME, path });
  if (!monaco.editor.getModel(uri)) {
    const { text, truncated } = await link.source(path);
    const note = truncated ? "\n// … (the rest of this file is not shown)\n" : "";
    if (!monaco.editor.getModel(uri)) monaco.editor.createModel(text + note, "go", uri);
  }
  return uri;
}

/** gopls's places as Monaco's: a lesson file's model, or a read-only source's (fetched the first time). */
async function monacoLocations(
  link: GoplsLink,
  slug: string,
  found: GoplsLocation[],
): Promise<monaco.languages.Location[]> {
  const out: monaco.languages.Location[] = [];
  for (const l of found) {
    const uri =
      "path" in l
        ? monaco.Uri.parse(`file:///${slug}/${l.path}`)
        : await sourceModel(link, l.source).catch(() => undefined);
    if (uri) out.push({ uri, range: toRange(l.range) });
  }
  return out;
}

export interface GoplsEditor {
  /** gofmt and organize imports of the open file, as Ctrl/Cmd+S does. */
  formatOnSave(): Promise<void>;
  dispose(): void;
}

/**
 * Connects the lesson's models to gopls: opens the lesson, forwards edits, registers the providers, shows
 * diagnostics. `editor` is the lesson's one code editor.
 */
export function attachGopls(slug: string, editor: monaco.editor.IStandaloneCodeEditor): GoplsEditor {
  const models = (): monaco.editor.ITextModel[] =>
    monaco.editor.getModels().filter((m) => lessonPath(m, slug) !== undefined);
  const link = new GoplsLink(
    slug,
    () => Object.fromEntries(models().map((m) => [lessonPath(m, slug) as string, m.getValue()])),
    () => {
      const model = editor.getModel();
      return model ? lessonPath(model, slug) : undefined;
    },
  );
  const disposables: monaco.IDisposable[] = [];
  const watched = new Set<monaco.editor.ITextModel>();
  /** An edit of ours (formatting) in flight: it is an edit like any other, so nothing special is needed. */
  const watch = (model: monaco.editor.ITextModel): void => {
    const path = lessonPath(model, slug);
    if (!path || watched.has(model)) return;
    watched.add(model);
    disposables.push(
      model.onDidChangeContent((e) => {
        // Monaco lists one event's changes so that applying them in order gives the new text, as didChange wants.
        link.change(
          path,
          e.changes.map((c) => ({
            range: {
              start: { line: c.range.startLineNumber - 1, character: c.range.startColumn - 1 },
              end: { line: c.range.endLineNumber - 1, character: c.range.endColumn - 1 },
            },
            text: c.text,
          })),
        );
      }),
      model.onWillDispose(() => watched.delete(model)),
    );
  };
  for (const m of models()) watch(m);
  disposables.push(monaco.editor.onDidCreateModel(watch));
  window.__playgroundGopls = "starting";
  link.open().then(
    () => (window.__playgroundGopls = "ready"),
    () => (window.__playgroundGopls = "failed"),
  );

  const offDiagnostics = link.onDiagnostics((path, diagnostics) => {
    const model = monaco.editor.getModel(monaco.Uri.parse(`file:///${slug}/${path}`));
    if (model) monaco.editor.setModelMarkers(model, MARKER_OWNER, markers(diagnostics));
  });

  const ask = async <T>(
    method: Parameters<GoplsLink["request"]>[0],
    model: monaco.editor.ITextModel,
    position?: monaco.IPosition,
  ): Promise<T | null> => {
    const path = lessonPath(model, slug);
    if (!path) return null;
    try {
      return (await link.request(method, path, position && toLsp(position))) as T;
    } catch {
      return null; // gopls starting again or busy: this one gets no answer, the next keystroke asks again
    }
  };

  disposables.push(
    monaco.languages.registerCompletionItemProvider("go", {
      triggerCharacters: ["."],
      async provideCompletionItems(model, position) {
        const list = await ask<GoplsCompletion>("completion", model, position);
        if (!list) return { suggestions: [] };
        const word = model.getWordUntilPosition(position);
        const fallback: monaco.IRange = {
          startLineNumber: position.lineNumber,
          startColumn: word.startColumn,
          endLineNumber: position.lineNumber,
          endColumn: position.column,
        };
        return {
          incomplete: list.isIncomplete,
          suggestions: list.items.map((item) => ({
            label: item.label,
            kind: completionKind(item.kind),
            detail: item.detail,
            documentation: item.documentation ? { value: item.documentation } : undefined,
            sortText: item.sortText,
            filterText: item.filterText,
            insertText: item.textEdit?.newText ?? item.insertText ?? item.label,
            insertTextRules:
              item.insertTextFormat === 2 ? monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet : undefined,
            range: item.textEdit ? toRange(item.textEdit.range) : fallback,
            additionalTextEdits: item.additionalTextEdits?.map(toEdit),
            tags: item.deprecated ? [monaco.languages.CompletionItemTag.Deprecated] : undefined,
            preselect: item.preselect,
          })),
        };
      },
    }),
    monaco.languages.registerHoverProvider("go", {
      async provideHover(model, position) {
        const hover = await ask<GoplsHover>("hover", model, position);
        if (!hover) return null;
        return { contents: [{ value: hover.contents }], range: hover.range ? toRange(hover.range) : undefined };
      },
    }),
    monaco.languages.registerSignatureHelpProvider("go", {
      signatureHelpTriggerCharacters: ["(", ","],
      signatureHelpRetriggerCharacters: [")"],
      async provideSignatureHelp(model, position) {
        const help = await ask<GoplsSignatureHelp>("signatureHelp", model, position);
        if (!help || help.signatures.length === 0) return null;
        return {
          value: {
            signatures: help.signatures.map((s) => ({
              label: s.label,
              documentation: s.documentation ? { value: s.documentation } : undefined,
              parameters: (s.parameters ?? []).map((p) => ({ label: p.label })),
            })),
            activeSignature: help.activeSignature ?? 0,
            activeParameter: help.activeParameter ?? 0,
          },
          dispose: () => {},
        };
      },
    }),
    monaco.languages.registerDefinitionProvider("go", {
      async provideDefinition(model, position) {
        const found = await ask<GoplsLocation[]>("definition", model, position);
        return found ? monacoLocations(link, slug, found) : null;
      },
    }),
    monaco.languages.registerReferenceProvider("go", {
      async provideReferences(model, position) {
        const found = await ask<GoplsLocation[]>("references", model, position);
        return found ? monacoLocations(link, slug, found) : null;
      },
    }),
    monaco.languages.registerRenameProvider("go", {
      async provideRenameEdits(model, position, newName) {
        const path = lessonPath(model, slug);
        if (!path) return { edits: [], rejectReason: "Only the lesson's own files can be renamed in." };
        let files: GoplsFileEdits;
        try {
          files = (await link.request("rename", path, toLsp(position), newName)) as GoplsFileEdits;
        } catch (err) {
          // gopls's own reason (not an identifier, a name of another package…) is what the learner needs to read.
          return { edits: [], rejectReason: err instanceof Error ? err.message : String(err) };
        }
        return {
          edits: files.flatMap(({ path: p, edits }) => {
            const resource = monaco.Uri.parse(`file:///${slug}/${p}`);
            const versionId = monaco.editor.getModel(resource)?.getVersionId();
            return edits.map((e) => ({ resource, versionId, textEdit: { range: toRange(e.range), text: e.newText } }));
          }),
        };
      },
    }),
    monaco.languages.registerDocumentFormattingEditProvider("go", {
      async provideDocumentFormattingEdits(model) {
        return ((await ask<GoplsTextEdit[]>("formatting", model)) ?? []).map(toEdit);
      },
    }),
    // Go to definition across files: a lesson file opens in its tab at the place, a module's source in a read-only tab.
    monaco.editor.registerEditorOpener({
      openCodeEditor(_editor, resource, selectionOrPosition) {
        const position =
          selectionOrPosition && "startLineNumber" in selectionOrPosition
            ? { line: selectionOrPosition.startLineNumber, column: selectionOrPosition.startColumn }
            : selectionOrPosition
              ? { line: selectionOrPosition.lineNumber, column: selectionOrPosition.column }
              : { line: 1, column: 1 };
        if (resource.scheme === SOURCE_SCHEME) {
          openCode({ source: resource.path, ...position });
          return true;
        }
        if (resource.scheme === "file" && resource.path.startsWith(`/${slug}/`)) {
          openCode({ path: resource.path.slice(slug.length + 2), ...position });
          return true;
        }
        return false;
      },
    }),
  );

  const applyEdits = (model: monaco.editor.ITextModel, edits: GoplsTextEdit[]): void => {
    if (edits.length === 0) return;
    editor.pushUndoStop();
    model.pushEditOperations(
      editor.getSelections(),
      edits.map((e) => ({ range: toRange(e.range), text: e.newText })),
      () => null,
    );
    editor.pushUndoStop();
  };

  return {
    async formatOnSave() {
      const model = editor.getModel();
      if (!model || !lessonPath(model, slug)?.endsWith(".go")) return;
      const version = model.getVersionId();
      const imports = await ask<GoplsTextEdit[]>("organizeImports", model);
      // Typed on meanwhile: these edits are of an older text.
      if (!imports || model.getVersionId() !== version) return;
      applyEdits(model, imports);
      const after = model.getVersionId();
      const formatting = await ask<GoplsTextEdit[]>("formatting", model);
      if (!formatting || model.getVersionId() !== after) return;
      applyEdits(model, formatting);
    },
    dispose() {
      offDiagnostics();
      link.dispose();
      for (const d of disposables) d.dispose();
      for (const m of monaco.editor.getModels()) {
        if (lessonPath(m, slug)) monaco.editor.setModelMarkers(m, MARKER_OWNER, []);
      }
    },
  };
}
