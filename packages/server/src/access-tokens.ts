import { createHash } from "node:crypto";

/** `read`: inspect, list, watch, the status page. `write`: also acquire, renew, release. */
export type TokenRole = "read" | "write";

/** One accepted token: who it is, and which locks it may touch. The secret is kept hashed. */
export interface AccessToken {
  /** Names the token in 403 answers and logs; never the secret. */
  readonly name: string;
  /** SHA-256 of the secret. */
  readonly digest: Uint8Array;
  /** Lock-name prefixes it may touch; "" is every lock. */
  readonly prefixes: readonly string[];
  readonly role: TokenRole;
}

export function digestOf(secret: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(secret, "utf8").digest());
}

/** A token with full access, as `--token` and LOCKGATE_TOKENS give. */
export function fullAccessToken(secret: string, name: string): AccessToken {
  return { name, digest: digestOf(secret), prefixes: [""], role: "write" };
}

/**
 * The token whose secret was presented, or undefined. Every configured digest is compared, each
 * in constant time, so the answer's timing says nothing about which token came close.
 */
export function tokenFor(
  tokens: readonly AccessToken[],
  presented: string,
): AccessToken | undefined {
  const digest = digestOf(presented);
  let found: AccessToken | undefined;
  for (const token of tokens) if (equalTime(token.digest, digest) && !found) found = token;
  return found;
}

/** Whether `token` may do `action` on the lock `name`; no token (auth off) may do everything. */
export function mayAccess(
  token: AccessToken | undefined,
  name: string,
  action: TokenRole,
): boolean {
  if (!token) return true;
  if (action === "write" && token.role !== "write") return false;
  return token.prefixes.some((prefix) => name.startsWith(prefix));
}

function equalTime(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
