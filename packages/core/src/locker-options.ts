import type { Lease } from "./acquire-request.ts";
import { LockgateError } from "./errors.ts";
import type { LeaseTimings } from "./lease-renewer.ts";

/** Longest lock name accepted, in UTF-16 code units. */
export const MAX_LOCK_NAME_LENGTH = 1024;

export function validateLockName(name: unknown): asserts name is string {
  if (typeof name !== "string" || name.length === 0) {
    throw new LockgateError("invalid-argument", "A lock name must be a non-empty string");
  }
  // Control characters (NUL, newlines, escapes) would garble logs, status pages and terminals.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: they are what is refused
  const control = /[\u0000-\u001f\u007f]/.exec(name);
  if (control) {
    throw new LockgateError(
      "invalid-argument",
      `A lock name must not contain control characters (found U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")})`,
    );
  }
  if (name.length > MAX_LOCK_NAME_LENGTH) {
    throw new LockgateError(
      "invalid-argument",
      `A lock name must be at most ${MAX_LOCK_NAME_LENGTH} characters (got ${name.length})`,
    );
  }
}

/** Checks 0 < renewInterval < renewDeadline < ttl, which lost-lease safety rests on. */
export function validateTimings(timings: LeaseTimings): LeaseTimings {
  const { ttl, renewInterval, renewDeadline } = timings;
  const ok = (n: number) => Number.isFinite(n) && n > 0;
  if (!ok(ttl))
    throw new LockgateError("invalid-argument", "leaseTtl must be a positive number of ms");
  if (
    !ok(renewInterval) ||
    !ok(renewDeadline) ||
    !(renewInterval < renewDeadline && renewDeadline < ttl)
  ) {
    throw new LockgateError(
      "invalid-argument",
      `Lease timings must satisfy 0 < renewInterval < renewDeadline < leaseTtl ` +
        `(got ${renewInterval} < ${renewDeadline} < ${ttl}): a holder must give up before others take over`,
    );
  }
  return timings;
}

/** A lease handed to `locker.adopt`, often decoded from text another process printed. */
export function validateLease(lease: unknown): asserts lease is Lease {
  const l = lease as Partial<Lease> | null;
  const bad = (what: string) =>
    new LockgateError("invalid-argument", `Not a lease to adopt: ${what}`);
  if (typeof l !== "object" || l === null) throw bad("expected an object");
  validateLockName(l.name);
  if (typeof l.id !== "string" || l.id.length === 0) throw bad("id must be a non-empty string");
  if (typeof l.shared !== "boolean") throw bad("shared must be true or false");
  if (!Number.isSafeInteger(l.token) || (l.token as number) < 1)
    throw bad("token must be a positive integer");
  if (!(Number.isFinite(l.ttl) && (l.ttl as number) > 0)) throw bad("ttl must be positive ms");
}
