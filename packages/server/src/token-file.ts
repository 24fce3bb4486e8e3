import { readFileSync, statSync } from "node:fs";
import { type AccessToken, digestOf, type TokenRole } from "./access-tokens.ts";

/** A token file the server cannot use; the message says where and what. */
export class TokenFileError extends Error {}

/**
 * Reads `--token-file`: JSON, `{"tokens": [{"name", "secret" | "sha256", "prefixes", "role"}]}`.
 * `sha256` (hex of the secret) keeps the secret itself out of the file. Returns the tokens and
 * warnings worth printing (the file is readable by others while it holds secrets).
 */
export function readTokenFile(path: string): { tokens: AccessToken[]; warnings: string[] } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new TokenFileError(`Cannot read the token file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new TokenFileError(`The token file ${path} is not JSON: ${(error as Error).message}`);
  }
  const list = (parsed as { tokens?: unknown } | null)?.tokens;
  if (!Array.isArray(list) || list.length === 0) {
    throw new TokenFileError(
      `The token file ${path} must be {"tokens": [{"name", "secret" or "sha256", "prefixes", "role"}, ...]} with at least one token`,
    );
  }
  const names = new Set<string>();
  const digests = new Set<string>();
  let plaintext = false;
  const tokens = list.map((entry, i): AccessToken => {
    const at = `${path}: tokens[${i}]`;
    if (typeof entry !== "object" || entry === null)
      throw new TokenFileError(`${at} is not an object`);
    const e = entry as Record<string, unknown>;
    for (const key of Object.keys(e)) {
      if (!["name", "secret", "sha256", "prefixes", "role"].includes(key))
        throw new TokenFileError(`${at} has an unknown field ${JSON.stringify(key)}`);
    }
    if (typeof e.name !== "string" || !/^[A-Za-z0-9._-]{1,64}$/.test(e.name))
      throw new TokenFileError(`${at}.name must be 1 to 64 letters, digits, ".", "_" or "-"`);
    if (names.has(e.name))
      throw new TokenFileError(`${at}.name ${JSON.stringify(e.name)} is used twice`);
    names.add(e.name);
    let digest: Uint8Array;
    if (typeof e.secret === "string" && e.sha256 === undefined) {
      if (e.secret.length < 16)
        throw new TokenFileError(`${at}.secret must be at least 16 characters`);
      digest = digestOf(e.secret);
      plaintext = true;
    } else if (typeof e.sha256 === "string" && e.secret === undefined) {
      if (!/^[0-9a-f]{64}$/i.test(e.sha256))
        throw new TokenFileError(`${at}.sha256 must be 64 hex digits (sha256sum of the secret)`);
      digest = Uint8Array.from(e.sha256.match(/../g) as string[], (h) => Number.parseInt(h, 16));
    } else {
      throw new TokenFileError(`${at} needs exactly one of "secret" and "sha256"`);
    }
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
    if (digests.has(hex)) throw new TokenFileError(`${at} has the same secret as an earlier token`);
    digests.add(hex);
    if (
      !Array.isArray(e.prefixes) ||
      e.prefixes.length === 0 ||
      !e.prefixes.every((p) => typeof p === "string" && p.length <= 1024)
    ) {
      throw new TokenFileError(
        `${at}.prefixes must be a list of lock-name prefixes, such as ["team-a/"] ("" for every lock)`,
      );
    }
    if (e.role !== "read" && e.role !== "write")
      throw new TokenFileError(`${at}.role must be "read" or "write"`);
    return {
      name: e.name,
      digest,
      prefixes: [...(e.prefixes as string[])],
      role: e.role as TokenRole,
    };
  });
  const warnings: string[] = [];
  try {
    if (plaintext && (statSync(path).mode & 0o077) !== 0) {
      warnings.push(
        `warning: the token file ${path} holds secrets and others may read it: chmod 600 it, or give "sha256" instead of "secret"`,
      );
    }
  } catch {
    // Read a moment ago: a stat that fails now changes nothing.
  }
  return { tokens, warnings };
}
