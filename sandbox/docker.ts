// The one place that makes a dockerode client: API version negotiated with the engine (Engine 20.10 speaks 1.41).
import Docker from "dockerode";
import { ENGINE_FIX_HINT, SandboxError } from "./errors";

/** The newest API version this code was written against; older engines get their own version. */
const CLIENT_API_VERSION = "1.41";

let client: Promise<Docker> | undefined;

function compareVersions(a: string, b: string): number {
  const [aMajor, aMinor] = a.split(".").map(Number);
  const [bMajor, bMinor] = b.split(".").map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

async function connect(): Promise<Docker> {
  // An unversioned /version call works on every engine and tells which API version it speaks.
  const probe = new Docker();
  let apiVersion: string;
  try {
    const info = await probe.version();
    apiVersion = info.ApiVersion;
  } catch (err) {
    throw new SandboxError(
      "ENGINE_UNREACHABLE",
      `The Docker Engine is not reachable (${(err as Error).message}).`,
      ENGINE_FIX_HINT,
    );
  }
  const version = compareVersions(apiVersion, CLIENT_API_VERSION) < 0 ? apiVersion : CLIENT_API_VERSION;
  return new Docker({ version: `v${version}` });
}

/** The shared client; a failed connection is forgotten so the next call tries again. */
export function docker(): Promise<Docker> {
  if (!client) {
    client = connect();
    client.catch(() => {
      client = undefined;
    });
  }
  return client;
}

export type EngineStatus =
  { ok: true; serverVersion: string; apiVersion: string } | { ok: false; message: string; hint: string };

export async function checkEngine(): Promise<EngineStatus> {
  try {
    const d = await docker();
    const v = await d.version();
    return { ok: true, serverVersion: v.Version, apiVersion: v.ApiVersion };
  } catch (err) {
    client = undefined;
    const message = err instanceof SandboxError ? err.message : `The Docker Engine did not answer: ${String(err)}`;
    return { ok: false, message, hint: ENGINE_FIX_HINT };
  }
}

export function isNotFound(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { statusCode?: number }).statusCode === 404;
}
