// The Host and Origin allow-list (DNS rebinding, other sites' pages) and the CSP every response carries.
import { describe, expect, it } from "vitest";
import {
  checkHost,
  checkOrigin,
  checkRequest,
  contentSecurityPolicy,
  hostPolicy,
  inlineScriptHashes,
  scriptHash,
  splitHost,
} from "@/lib/server/http-guard";

const local = hostPolicy({ port: 3000, listenHost: "127.0.0.1" });

describe("splitHost", () => {
  it("lower-cases, drops a trailing dot, keeps IPv6 brackets and reads the port", () => {
    expect(splitHost("LocalHost.:3000")).toEqual({ name: "localhost", port: 3000 });
    expect(splitHost("[::1]:3000")).toEqual({ name: "[::1]", port: 3000 });
    expect(splitHost("[0:0:0:0:0:0:0:1]")).toEqual({ name: "[::1]", port: undefined });
    expect(splitHost("example.org")).toEqual({ name: "example.org", port: undefined });
  });
  it("refuses what is not a host", () => {
    for (const bad of ["", ":3000", "a:b", "[::1", "::1", "[xyz]:1", "host:70000", "host:0", "a b", "user@host", "a/b"])
      expect(splitHost(bad), bad).toBeUndefined();
  });
});

describe("checkHost", () => {
  it("accepts the loopback names with the server's port, in any case, with a trailing dot", () => {
    for (const h of ["127.0.0.1:3000", "localhost:3000", "LOCALHOST:3000", "localhost.:3000", "[::1]:3000"])
      expect(checkHost(local, h), h).toEqual({ ok: true });
  });
  it("refuses a rebinding page's own name, other ports and a missing Host with 421", () => {
    for (const h of ["evil.test:3000", "evil.test", "localhost:3001", "127.0.0.1", "localhost", "127.0.0.2:3000"]) {
      const v = checkHost(local, h);
      expect(v.ok, h).toBe(false);
      if (!v.ok) expect(v.status).toBe(421);
    }
    expect(checkHost(local, undefined)).toMatchObject({
      ok: false,
      status: 421,
      message: "A Host header is required.",
    });
    expect(checkHost(local, "")).toMatchObject({ ok: false, status: 421 });
  });
  it("takes a port-less Host as port 80", () => {
    const on80 = hostPolicy({ port: 80 });
    expect(checkHost(on80, "localhost")).toEqual({ ok: true });
    expect(checkHost(on80, "localhost:80")).toEqual({ ok: true });
  });
  it("adds the operator's names: any port without one, only that port with one", () => {
    const p = hostPolicy({ port: 3000, allowed: " play.example.org, lab.example.org:8443 ,", publicUrl: "" });
    expect(checkHost(p, "play.example.org")).toEqual({ ok: true });
    expect(checkHost(p, "Play.Example.Org.:443")).toEqual({ ok: true });
    expect(checkHost(p, "lab.example.org:8443")).toEqual({ ok: true });
    expect(checkHost(p, "lab.example.org")).toMatchObject({ ok: false });
    expect(checkHost(p, "example.org")).toMatchObject({ ok: false });
  });
  it("adds the public URL's host and port", () => {
    const p = hostPolicy({ port: 3000, publicUrl: "https://class.example.org/" });
    expect(checkHost(p, "class.example.org")).toEqual({ ok: true });
    const withPort = hostPolicy({ port: 3000, publicUrl: "http://192.0.2.5:8080" });
    expect(checkHost(withPort, "192.0.2.5:8080")).toEqual({ ok: true });
    expect(checkHost(withPort, "192.0.2.5:3000")).toMatchObject({ ok: false });
  });
  it("accepts the specific address the server listens on, not a wildcard", () => {
    expect(checkHost(hostPolicy({ port: 3000, listenHost: "198.51.100.5" }), "198.51.100.5:3000")).toEqual({
      ok: true,
    });
    expect(checkHost(hostPolicy({ port: 3000, listenHost: "fd00::5" }), "[fd00::5]:3000")).toEqual({ ok: true });
    expect(checkHost(hostPolicy({ port: 3000, listenHost: "0.0.0.0" }), "0.0.0.0:3000")).toMatchObject({ ok: false });
  });
  it("refuses a malformed configuration at start-up", () => {
    expect(() => hostPolicy({ port: 3000, allowed: "a b" })).toThrow(/PLAYGROUND_ALLOWED_HOSTS/);
    expect(() => hostPolicy({ port: 3000, publicUrl: "not a url" })).toThrow(/PLAYGROUND_PUBLIC_URL/);
    expect(() => hostPolicy({ port: 3000, publicUrl: "ftp://x.org" })).toThrow(/PLAYGROUND_PUBLIC_URL/);
  });
});

describe("checkOrigin", () => {
  it("accepts no Origin and this playground's own origins", () => {
    expect(checkOrigin(local, undefined)).toEqual({ ok: true });
    expect(checkOrigin(local, "http://localhost:3000")).toEqual({ ok: true });
    expect(checkOrigin(local, "http://[::1]:3000")).toEqual({ ok: true });
  });
  it("refuses other sites, other ports, 'null' and other schemes with 403", () => {
    for (const o of [
      "http://evil.test:3000",
      "http://localhost:8080",
      "null",
      "file://",
      "chrome-extension://abc",
      "x",
    ]) {
      const v = checkOrigin(local, o);
      expect(v.ok, o).toBe(false);
      if (!v.ok) expect(v.status).toBe(403);
    }
  });
  it("reads the default port from the scheme", () => {
    const p = hostPolicy({ port: 3000, allowed: "class.example.org:443" });
    expect(checkOrigin(p, "https://class.example.org")).toEqual({ ok: true });
    expect(checkOrigin(p, "http://class.example.org")).toMatchObject({ ok: false });
  });
});

describe("checkRequest", () => {
  it("refuses the rebinding handshake: Host and Origin both the attacker's, and equal", () => {
    expect(checkRequest(local, { host: "evil.test:3000", origin: "http://evil.test:3000" })).toMatchObject({
      ok: false,
      status: 421,
    });
  });
  it("refuses an allowed Host with another site's Origin", () => {
    expect(checkRequest(local, { host: "localhost:3000", origin: "http://evil.test" })).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(checkRequest(local, { host: "localhost:3000", origin: "http://127.0.0.1:3000" })).toEqual({ ok: true });
  });
});

describe("contentSecurityPolicy", () => {
  it("forbids framing and eval in production, allows eval in dev only", () => {
    const prod = contentSecurityPolicy({ nonce: "abc", inlineHashes: [scriptHash("x()")], dev: false });
    expect(prod).toContain("frame-ancestors 'none'");
    expect(prod).toContain("'nonce-abc'");
    expect(prod).toContain(scriptHash("x()"));
    expect(prod).not.toContain("unsafe-eval");
    expect(prod).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(contentSecurityPolicy({ nonce: "abc", inlineHashes: [], dev: true })).toMatch(
      /script-src[^;]*'unsafe-eval'/,
    );
  });
  it("hashes a script as the browser does (sha256, base64)", () => {
    expect(scriptHash("")).toBe("'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
  });
});

describe("inlineScriptHashes", () => {
  it("hashes each distinct inline script of a prerendered page, not external or empty ones", () => {
    const html =
      '<script src="/a.js" async=""></script><script>a()</script><script type="module">b()</script>' +
      "<script>a()</script><script></script><SCRIPT>c()\n</SCRIPT>";
    expect(inlineScriptHashes(html)).toEqual([scriptHash("a()"), scriptHash("b()"), scriptHash("c()\n")]);
  });
});
