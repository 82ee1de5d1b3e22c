// LSP's base protocol over a byte stream: "Content-Length: N\r\n\r\n" then N bytes of JSON. Both directions are
// bounded, since what gopls prints is shaped by a learner's code: a header too long or a body past the limit ends
// the stream rather than growing a buffer without bound.

/** One JSON-RPC message as it travels (request, response or notification). */
export interface JsonRpcMessage {
  jsonrpc: "2.0";
  id?: number | string | null;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/** The longest header block accepted (gopls sends one short Content-Length line). */
const MAX_HEADER_BYTES = 1024;

export class LspFramingError extends Error {}

/** Frames a message for the wire. */
export function encodeLsp(message: JsonRpcMessage): Buffer {
  const body = Buffer.from(JSON.stringify(message), "utf8");
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, "ascii"), body]);
}

/** Splits a byte stream into messages; throws LspFramingError on a malformed or oversized frame. */
export class LspReader {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  /** The body length of the frame being read, once its header is in. */
  private bodyBytes?: number;

  constructor(private readonly maxMessageBytes: number) {}

  push(chunk: Buffer): JsonRpcMessage[] {
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    const out: JsonRpcMessage[] = [];
    for (;;) {
      if (this.bodyBytes === undefined) {
        const all = this.joined();
        const end = all.indexOf("\r\n\r\n");
        if (end < 0) {
          if (all.length > MAX_HEADER_BYTES) throw new LspFramingError("an LSP header is too long");
          return out;
        }
        if (end > MAX_HEADER_BYTES) throw new LspFramingError("an LSP header is too long");
        this.bodyBytes = contentLength(all.subarray(0, end).toString("ascii"), this.maxMessageBytes);
        this.keep(all.subarray(end + 4));
      }
      if (this.bufferedBytes < this.bodyBytes) return out;
      const all = this.joined();
      const body = all.subarray(0, this.bodyBytes);
      this.keep(all.subarray(this.bodyBytes));
      this.bodyBytes = undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch {
        throw new LspFramingError("an LSP message is not JSON");
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new LspFramingError("an LSP message is not a JSON object");
      }
      out.push(parsed as JsonRpcMessage);
    }
  }

  private joined(): Buffer {
    if (this.buffered.length !== 1) this.buffered = [Buffer.concat(this.buffered)];
    return this.buffered[0];
  }

  private keep(rest: Buffer): void {
    this.buffered = rest.length > 0 ? [rest] : [];
    this.bufferedBytes = rest.length;
  }
}

function contentLength(header: string, max: number): number {
  let length: number | undefined;
  for (const line of header.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) throw new LspFramingError("an LSP header line has no colon");
    if (line.slice(0, colon).trim().toLowerCase() !== "content-length") continue;
    const value = line.slice(colon + 1).trim();
    if (!/^\d{1,10}$/.test(value)) throw new LspFramingError("an LSP Content-Length is not a number");
    length = Number(value);
  }
  if (length === undefined) throw new LspFramingError("an LSP header has no Content-Length");
  if (length > max) throw new LspFramingError(`an LSP message of ${length} bytes is over the ${max}-byte limit`);
  return length;
}
