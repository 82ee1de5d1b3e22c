// The request panel's helpers: header rows, JSON body checks, copy as curl, tokens in answers, the history.
import { describe, expect, it } from "vitest";
import {
  HISTORY_MAX,
  addToHistory,
  checkBody,
  findToken,
  formatJson,
  headersFromRows,
  historyKey,
  jsonError,
  loadHistory,
  saveHistory,
  setHeader,
  shellQuote,
  toCurl,
  type HistoryEntry,
} from "@/lib/client/request-tools";

const row = (name: string, value: string, enabled = true) => ({ name, value, enabled });

describe("header rows", () => {
  it("sends enabled named rows and names a bad one", () => {
    expect(headersFromRows([row("Content-Type", " application/json "), row("", ""), row("X-Off", "1", false)])).toEqual(
      { headers: { "Content-Type": "application/json" } },
    );
    expect(headersFromRows([row("ok", "1"), row("bad name", "2")])).toEqual({
      error: 'header 2: "bad name" is not a header name',
    });
    expect(headersFromRows([row("", "value without a name")])).toEqual({
      error: 'header 1: "" is not a header name',
    });
  });

  it("sets a header in place, whatever its case, or adds it in place of empty rows", () => {
    expect(setHeader([row("authorization", "Bearer old"), row("A", "1")], "Authorization", "Bearer new")).toEqual([
      row("Authorization", "Bearer new"),
      row("A", "1"),
    ]);
    expect(setHeader([row("A", "1"), row("", "")], "Authorization", "Bearer t")).toEqual([
      row("A", "1"),
      row("Authorization", "Bearer t"),
    ]);
  });
});

describe("JSON bodies", () => {
  it("checks a body meant as JSON and says where it breaks", () => {
    const json = [row("Content-Type", "application/json")];
    expect(checkBody("", json)).toEqual({ kind: "empty" });
    expect(checkBody('{"a": 1}', [])).toEqual({ kind: "json" });
    expect(checkBody("plain words", [])).toEqual({ kind: "text" });
    const bad = checkBody('{\n  "a": 1,\n  "b": }', json);
    expect(bad.kind).toBe("invalid");
    expect(bad.kind === "invalid" && bad.message).toMatch(/^line 3, column 8/);
    expect(checkBody("not json", json).kind).toBe("invalid");
    // A disabled content type does not make a text body JSON.
    expect(checkBody("not json", [row("Content-Type", "application/json", false)])).toEqual({ kind: "text" });
  });

  it("formats JSON and leaves anything else alone", () => {
    expect(formatJson('{"a":[1,2]}')).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
    expect(formatJson("{oops")).toBeNull();
  });
});

describe("copy as curl", () => {
  it("quotes for a POSIX shell", () => {
    expect(shellQuote("http://127.0.0.1:80/a")).toBe("http://127.0.0.1:80/a");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote("a b")).toBe("'a b'");
  });

  it("writes the request against the service's published port", () => {
    expect(toCurl({ method: "GET", port: 32768, path: "/users?id=1&x=2", headers: {} })).toBe(
      "curl -i 'http://127.0.0.1:32768/users?id=1&x=2'",
    );
    expect(
      toCurl({
        method: "POST",
        port: 40001,
        path: "/login",
        headers: { "Content-Type": "application/json", Authorization: "Bearer a.b.c" },
        body: `{"username":"o'neil"}`,
      }),
    ).toBe(
      `curl -i -X POST http://127.0.0.1:40001/login -H 'Content-Type: application/json' -H 'Authorization: Bearer a.b.c' --data-raw '{"username":"o'\\''neil"}'`,
    );
    expect(toCurl({ method: "HEAD", port: 1, path: "/", headers: {} })).toBe("curl -i --head http://127.0.0.1:1/");
  });
});

describe("tokens in answers", () => {
  const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.sig_nature-1";
  it("finds a token field at the top level or one level down, preferring a JWT", () => {
    expect(findToken(JSON.stringify({ token: jwt, expires_in: 900 }))).toBe(jwt);
    expect(findToken(JSON.stringify({ access_token: "opaque-token-123" }))).toBe("opaque-token-123");
    expect(findToken(JSON.stringify({ data: { accessToken: jwt } }))).toBe(jwt);
    expect(findToken(JSON.stringify({ token: "opaque-token-123", jwt }))).toBe(jwt);
  });
  it("finds none where there is none", () => {
    expect(findToken("not json")).toBeNull();
    expect(findToken(JSON.stringify({ token: "" }))).toBeNull();
    expect(findToken(JSON.stringify({ token: "has spaces in it" }))).toBeNull();
    expect(findToken(JSON.stringify({ a: { b: { token: jwt } } }))).toBeNull();
    expect(findToken(JSON.stringify([{ token: jwt }]))).toBeNull();
  });
});

describe("history", () => {
  const entry = (i: number): HistoryEntry => ({
    at: i,
    service: "svc",
    method: "GET",
    path: `/${i}`,
    headers: [],
    body: "",
    status: 200,
    durationMs: 3,
    bytes: 10,
  });

  it("keeps the newest requests first, at most HISTORY_MAX", () => {
    let list: HistoryEntry[] = [];
    for (let i = 0; i < 30; i++) list = addToHistory(list, entry(i));
    expect(list).toHaveLength(HISTORY_MAX);
    expect(list[0].path).toBe("/29");
    expect(list[HISTORY_MAX - 1].path).toBe(`/${30 - HISTORY_MAX}`);
  });

  it("round-trips through storage per lesson and ignores a damaged entry", () => {
    const map = new Map<string, string>();
    const store = {
      getItem: (k: string) => map.get(k) ?? null,
      setItem: (k: string, v: string) => void map.set(k, v),
      removeItem: (k: string) => void map.delete(k),
    };
    saveHistory(store, "jwt-auth", [entry(1), { ...entry(2), status: undefined, error: "not running" }]);
    expect(loadHistory(store, "jwt-auth").map((e) => e.path)).toEqual(["/1", "/2"]);
    expect(loadHistory(store, "other")).toEqual([]);
    map.set(historyKey("jwt-auth"), '[{"at":"yesterday"}]');
    expect(loadHistory(store, "jwt-auth")).toEqual([]);
    map.set(historyKey("jwt-auth"), "{broken");
    expect(loadHistory(store, "jwt-auth")).toEqual([]);
  });
});

describe("jsonError", () => {
  it("agrees with JSON.parse on what is valid", () => {
    const samples = [
      '{"a":1}',
      "[]",
      ' {"a":[1,-2.5e3,true,false,null,"x\\n\\u00e9"]} ',
      '"s"',
      "0",
      "{,}",
      "[1,]",
      '{"a" 1}',
      "01",
      '"tab\there"',
      "tru",
      '{"a":1}}',
      "",
      '"\\x"',
    ];
    for (const s of samples) {
      let valid = true;
      try {
        JSON.parse(s);
      } catch {
        valid = false;
      }
      expect(jsonError(s) === null, s).toBe(valid);
    }
  });
  it("points at the first wrong character", () => {
    expect(jsonError('{"a": 1,}')).toEqual({ at: 8, message: 'expected a "quoted" key, found "}"' });
  });
});
