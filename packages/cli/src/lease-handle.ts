import type { Lease } from "@lockgate/core";
import { validateLease } from "@lockgate/core";
import { CliError } from "./cli-error.ts";
import { EXIT } from "./exit-codes.ts";

const PREFIX = "lgh1.";

/**
 * A lease as one shell word, for `LOCK=$(lockgate acquire …)`: versioned, base64url JSON of the
 * lease. It names the lock and the lease, not the store or any secret.
 */
export function encodeHandle(lease: Lease): string {
  const { name, id, shared, token, ttl } = lease;
  return (
    PREFIX + Buffer.from(JSON.stringify({ name, id, shared, token, ttl })).toString("base64url")
  );
}

export function decodeHandle(text: string | undefined): Lease {
  const bad = (why: string) =>
    new CliError(
      "bad-handle",
      `not a lockgate handle (${why})`,
      EXIT.usage,
      "pass the text `lockgate acquire` printed, e.g. LOCK=$(lockgate acquire NAME)",
    );
  if (text === undefined || text === "") throw bad("none given");
  if (!text.startsWith(PREFIX)) throw bad(`it does not start with ${PREFIX}`);
  let lease: unknown;
  try {
    lease = JSON.parse(Buffer.from(text.slice(PREFIX.length), "base64url").toString("utf8"));
  } catch {
    throw bad("it does not decode");
  }
  try {
    validateLease(lease);
  } catch (error) {
    throw bad((error as Error).message);
  }
  return lease;
}
