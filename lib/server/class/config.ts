// Which mode the server runs in, and class mode's settings: from the command line and the environment.
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";

/** The environment as this module reads it (process.env, or a test's own). */
type Env = Readonly<Record<string, string | undefined>>;

export interface ClassConfig {
  /** Where learners and the teacher open the playground (behind the TLS proxy); links are made from it. */
  publicUrl: URL;
  /** Cookies are `Secure` when the public URL is https (the proxy terminates TLS, the browser sees https). */
  secureCookies: boolean;
  dataDir: string;
  /** The key that seals session cookies; kept in the data directory so a restart does not sign everyone out. */
  cookieSecret: string;
}

/** `--class` on the command line or PLAYGROUND_MODE=class; anything else is solo, exactly as before. */
export function isClassMode(argv: readonly string[], env: Env): boolean {
  if (argv.includes("--class")) return true;
  const mode = env.PLAYGROUND_MODE?.trim().toLowerCase();
  if (mode === undefined || mode === "" || mode === "solo") return false;
  if (mode === "class") return true;
  throw new Error(`PLAYGROUND_MODE: "${env.PLAYGROUND_MODE}" is neither "solo" nor "class"`);
}

export function defaultDataDir(env: Env): string {
  return env.PLAYGROUND_DATA_DIR?.trim() || path.join(os.homedir(), ".local", "share", "go-microservices-playground");
}

/** Class mode refuses to start without a public URL: its links and the Host allow-list both need it. */
export function classConfig(env: Env, opts: { fallbackUrl?: string } = {}): ClassConfig {
  const raw = env.PLAYGROUND_PUBLIC_URL?.trim() || opts.fallbackUrl;
  if (!raw)
    throw new Error(
      "class mode needs PLAYGROUND_PUBLIC_URL: the address learners open, e.g. https://play.example.org/ (behind your TLS proxy)",
    );
  const publicUrl = new URL(raw);
  if (!["http:", "https:"].includes(publicUrl.protocol))
    throw new Error(`PLAYGROUND_PUBLIC_URL: "${raw}" is not an http(s) URL`);
  const dataDir = defaultDataDir(env);
  return {
    publicUrl,
    secureCookies: publicUrl.protocol === "https:",
    dataDir,
    cookieSecret: env.PLAYGROUND_SESSION_SECRET?.trim() || storedSecret(dataDir),
  };
}

/** iron-session wants at least 32 characters; 48 random bytes, written once (atomically, owner-only) and reused. */
function storedSecret(dataDir: string): string {
  const file = path.join(dataDir, "cookie-secret");
  if (existsSync(file)) {
    const text = readFileSync(file, "utf8").trim();
    if (text.length >= 32) return text;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString("base64url");
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${secret}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  // link() fails if the file exists: when the server and the `class` command start together, the first one wins
  // and both read the same secret, never a half-written one.
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    unlinkSync(tmp);
  }
  return readFileSync(file, "utf8").trim();
}

/** The link a path makes under the public URL (which may itself have a path prefix). */
export function publicLink(config: ClassConfig, pathname: string): string {
  const base = config.publicUrl.href.endsWith("/") ? config.publicUrl.href : `${config.publicUrl.href}/`;
  return new URL(pathname.replace(/^\//, ""), base).href;
}
