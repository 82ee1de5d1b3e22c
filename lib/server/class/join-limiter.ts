// Rate limits on using invites: per client address, and a budget of failed short-code lookups shared by everyone.
import { FAILED_CODES_PER_MINUTE, JOINS_PER_ADDRESS_PER_MINUTE } from "./limits";

const WINDOW_MS = 60_000;
/** Addresses remembered at once: a flood of spoofed-looking addresses cannot grow the map without bound. */
const MAX_ADDRESSES = 10_000;

export class JoinLimiter {
  private window = 0;
  private perAddress = new Map<string, number>();
  private failedCodes = 0;

  constructor(private readonly now: () => number = Date.now) {}

  private roll(): void {
    const w = Math.floor(this.now() / WINDOW_MS);
    if (w !== this.window) {
      this.window = w;
      this.perAddress = new Map();
      this.failedCodes = 0;
    }
  }

  /** One attempt from this address; false once it is over its budget (or the table is full) for this minute. */
  attempt(address: string): boolean {
    this.roll();
    const n = this.perAddress.get(address) ?? 0;
    if (n === 0 && this.perAddress.size >= MAX_ADDRESSES) return false;
    if (n >= JOINS_PER_ADDRESS_PER_MINUTE) return false;
    this.perAddress.set(address, n + 1);
    return true;
  }

  /** Whether short codes may be looked up at all this minute: a guesser with many addresses spends one budget. */
  codesOpen(): boolean {
    this.roll();
    return this.failedCodes < FAILED_CODES_PER_MINUTE;
  }

  codeFailed(): void {
    this.roll();
    this.failedCodes++;
  }

  /** Seconds until the current window ends, for Retry-After. */
  retryAfter(): number {
    return Math.ceil((WINDOW_MS - (this.now() % WINDOW_MS)) / 1000);
  }
}
