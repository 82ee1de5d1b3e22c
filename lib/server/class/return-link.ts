// A learner's own sign-in link for another computer: the learner id and an HMAC of it under the server's secret.
// Nothing is stored: the server can show it to the signed-in learner at any time and check it when it is used; a
// revoked learner's link stops working with them, and changing the secret voids every link.
import { createHmac, timingSafeEqual } from "node:crypto";

export class ReturnLinks {
  private readonly key: Buffer;

  constructor(secret: string) {
    // A key of its own, derived from the cookie secret, so a MAC made here is never valid as anything else.
    this.key = createHmac("sha256", secret).update("gmp return link v1").digest();
  }

  private mac(learnerId: string): string {
    return createHmac("sha256", this.key).update(learnerId).digest("base64url");
  }

  token(learnerId: string): string {
    return `${learnerId}.${this.mac(learnerId)}`;
  }

  /** The learner id a token names, if its MAC is right. */
  verify(token: string): string | undefined {
    const m = /^([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return undefined;
    const expected = Buffer.from(this.mac(m[1]));
    const given = Buffer.from(m[2]);
    return expected.length === given.length && timingSafeEqual(expected, given) ? m[1] : undefined;
  }
}
