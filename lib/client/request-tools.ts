// The request panel's pure helpers: header rows, JSON body checks, copy as curl, finding a token, and the history
// of recent requests kept per lesson in the browser.
import { z } from "zod";
import type { KeyValueStore } from "./storage";

export const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;
export type Method = (typeof METHODS)[number];

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export interface HeaderRow {
  name: string;
  value: string;
  /** Unticked rows stay in the list but are not sent. */
  enabled: boolean;
}

export function rowsFromHeaders(headers: Record<string, string>): HeaderRow[] {
  return Object.entries(headers).map(([name, value]) => ({ name, value, enabled: true }));
}

/** The headers to send; rows without a name are skipped, a malformed name is an error that names its row. */
export function headersFromRows(rows: HeaderRow[]): { headers: Record<string, string> } | { error: string } {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rows.length; i++) {
    const { name, value, enabled } = rows[i];
    const n = name.trim();
    if (!enabled || (n === "" && value.trim() === "")) continue;
    if (!HEADER_NAME.test(n)) return { error: `header ${i + 1}: "${n}" is not a header name` };
    headers[n] = value.trim();
  }
  return { headers };
}

/** Sets a header (case-insensitively replacing one of the same name), keeping the others in their order. */
export function setHeader(rows: HeaderRow[], name: string, value: string): HeaderRow[] {
  const i = rows.findIndex((r) => r.name.trim().toLowerCase() === name.toLowerCase());
  if (i === -1)
    return [...rows.filter((r) => r.name.trim() !== "" || r.value.trim() !== ""), { name, value, enabled: true }];
  return rows.map((r, j) => (j === i ? { name, value, enabled: true } : r));
}

function contentType(headers: Record<string, string> | HeaderRow[]): string {
  const entries = Array.isArray(headers)
    ? headers.filter((r) => r.enabled).map((r) => [r.name, r.value] as const)
    : Object.entries(headers);
  return entries.find(([k]) => k.trim().toLowerCase() === "content-type")?.[1] ?? "";
}

export type BodyCheck = { kind: "empty" | "text" | "json" } | { kind: "invalid"; message: string };

/**
 * Where a JSON text first goes wrong (offset and words), or null when it is valid. Engines' JSON.parse messages no
 * longer carry a position, so a small scanner of the JSON grammar finds it.
 */
export function jsonError(text: string): { at: number; message: string } | null {
  let i = 0;
  const fail = (message: string): never => {
    throw { at: i, message };
  };
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`unexpected ${describe()}`);
  };
  const describe = () => (i >= text.length ? "end of text" : `"${text[i]}"`);
  const string = () => {
    i++; // the opening quote
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail("a line break or control character inside a string");
      if (text[i] === "\\") {
        i++;
        if (text[i] === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail("a bad \\u escape");
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? "")) fail("a bad escape");
      }
      i++;
    }
    if (i >= text.length) fail("a string that never ends");
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail(`unexpected ${describe()}`);
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a "quoted" key, found ${describe()}`);
        string();
        ws();
        if (text[i] !== ":") fail(`expected ":", found ${describe()}`);
        i++;
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") return void i++;
        else fail(`expected "," or "}", found ${describe()}`);
      }
    } else if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") return void i++;
        else fail(`expected "," or "]", found ${describe()}`);
      }
    } else if (c === '"') string();
    else if (c === "t") literal("true");
    else if (c === "f") literal("false");
    else if (c === "n") literal("null");
    else if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) number();
    else fail(`unexpected ${describe()}`);
  };
  try {
    value();
    ws();
    if (i < text.length) fail(`unexpected ${describe()} after the end`);
    return null;
  } catch (err) {
    return err as { at: number; message: string };
  }
}

/**
 * Whether the body is meant as JSON (by its content type, or because it starts like JSON) and, if so, whether it
 * parses; the message names the line and column of the first error.
 */
export function checkBody(body: string, headers: HeaderRow[]): BodyCheck {
  if (body.trim() === "") return { kind: "empty" };
  const meantAsJson = /[/+]json\b/i.test(contentType(headers)) || /^\s*[[{]/.test(body);
  if (!meantAsJson) return { kind: "text" };
  const error = jsonError(body);
  if (!error) return { kind: "json" };
  const before = body.slice(0, error.at);
  const line = before.split("\n").length;
  const column = error.at - before.lastIndexOf("\n");
  return { kind: "invalid", message: `line ${line}, column ${column}: ${error.message}` };
}

/** Pretty-prints a JSON body; null when it is not JSON. */
export function formatJson(body: string): string | null {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return null;
  }
}

/** Quotes a word for a POSIX shell: single quotes, with each ' written as '\''. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_./:=@%+-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface CurlSpec {
  method: string;
  port: number;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** The same request as a curl command against the service's published port on 127.0.0.1. */
export function toCurl({ method, port, path, headers, body }: CurlSpec): string {
  const parts = ["curl", "-i"];
  if (method === "HEAD") parts.push("--head");
  else if (method !== "GET" || body !== undefined) parts.push("-X", method);
  parts.push(shellQuote(`http://127.0.0.1:${port}${path}`));
  for (const [k, v] of Object.entries(headers)) parts.push("-H", shellQuote(`${k}: ${v}`));
  if (body !== undefined && body !== "") parts.push("--data-raw", shellQuote(body));
  return parts.join(" ");
}

const TOKEN_FIELDS = ["access_token", "accessToken", "token", "id_token", "idToken", "jwt"];

/**
 * A bearer token in a JSON response body: a string field named like one, at the top level or one level down
 * (e.g. {"data": {"token": "…"}}). A JWT-shaped string is preferred when several fields qualify.
 */
export function findToken(body: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  const candidates: string[] = [];
  const look = (obj: unknown, depth: number) => {
    if (typeof obj !== "object" || obj === null || Array.isArray(obj)) return;
    const record = obj as Record<string, unknown>;
    for (const field of TOKEN_FIELDS) {
      const v = record[field];
      if (typeof v === "string" && v.length >= 8 && !/\s/.test(v)) candidates.push(v);
    }
    if (depth > 0) for (const v of Object.values(record)) look(v, depth - 1);
  };
  look(parsed, 1);
  return candidates.find((c) => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(c)) ?? candidates[0] ?? null;
}

// --- history ---

export const HISTORY_MAX = 20;
const HISTORY_VERSION = 1;
export const historyKey = (slug: string) => `gmp:requests:v${HISTORY_VERSION}:${slug}`;

const historyEntry = z.object({
  at: z.number(),
  service: z.string().max(64),
  method: z.enum(METHODS),
  path: z.string().max(2048),
  headers: z.array(z.object({ name: z.string(), value: z.string(), enabled: z.boolean() })).max(64),
  body: z.string().max(64 * 1024),
  /** The answer: a status, or the error's words. */
  status: z.number().optional(),
  error: z.string().optional(),
  durationMs: z.number().optional(),
  bytes: z.number().optional(),
});
export type HistoryEntry = z.infer<typeof historyEntry>;

/** Newest first, at most HISTORY_MAX; a body too large to keep is kept empty rather than dropping the entry. */
export function addToHistory(list: HistoryEntry[], entry: HistoryEntry): HistoryEntry[] {
  const kept = entry.body.length > 64 * 1024 ? { ...entry, body: "" } : entry;
  return [kept, ...list].slice(0, HISTORY_MAX);
}

export function loadHistory(store: KeyValueStore, slug: string): HistoryEntry[] {
  try {
    const raw = store.getItem(historyKey(slug));
    if (!raw) return [];
    const parsed = z.array(historyEntry).safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data.slice(0, HISTORY_MAX) : [];
  } catch {
    return [];
  }
}

export function saveHistory(store: KeyValueStore, slug: string, list: HistoryEntry[]): void {
  try {
    store.setItem(historyKey(slug), JSON.stringify(list.slice(0, HISTORY_MAX)));
  } catch {
    // A full or disabled storage only costs the history after a reload.
  }
}
