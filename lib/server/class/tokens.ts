// The secrets of class mode: random tokens, short codes a person can type, and the hashes the database keeps.
import { createHash, randomBytes } from "node:crypto";

/** 256 random bits, URL-safe: the teacher's link, the invite link, a session id. */
export const newToken = (): string => randomBytes(32).toString("base64url");

/** Row ids: not secret, but not guessable either, so an id seen in a log grants nothing. */
export const newId = (): string => randomBytes(12).toString("base64url");

/** Crockford's base32 without I, L, O, U: no letter is read as another when a teacher says the code aloud. */
const CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** 10 characters of 32 = 50 bits; with joins rate limited (class-limits.ts) guessing one takes centuries. */
const CODE_LENGTH = 10;

export function newShortCode(): string {
  const bytes = randomBytes(CODE_LENGTH);
  // 256 is a multiple of 32, so `b % 32` is uniform.
  const chars = Array.from(bytes, (b) => CODE_ALPHABET[b % 32]);
  return `${chars.slice(0, 5).join("")}-${chars.slice(5).join("")}`;
}

/** What a person typed, in the one spelling the hash is taken of: case, spaces, dashes and look-alikes forgiven. */
export function normalizeShortCode(typed: string): string | undefined {
  const text = typed.toUpperCase().replace(/[\s-]/g, "").replace(/[IL]/g, "1").replace(/O/g, "0");
  if (text.length !== CODE_LENGTH || [...text].some((c) => !CODE_ALPHABET.includes(c))) return undefined;
  return `${text.slice(0, 5)}-${text.slice(5)}`;
}

export const hashSecret = (secret: string): string => createHash("sha256").update(secret).digest("hex");
