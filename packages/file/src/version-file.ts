import { LockgateError } from "@lockgate/core";

const FORMAT = 1;
const NAME = /^v(\d{12})\.json$/;

/** What one version file of a key holds. A null value marks a deletion. */
export interface VersionFile {
  readonly key: string;
  readonly version: string;
  readonly value: string | null;
  /** Who wrote it (pid, boot id, pid namespace): a writer lock is a link to this file. */
  readonly writer?: { readonly pid: number; readonly boot: string; readonly ns: string };
}

/** The file name of version number `seq`: zero-padded so names sort by number. */
export function versionFileName(seq: number): string {
  return `v${String(seq).padStart(12, "0")}.json`;
}

/** The version number in a file name, or undefined for any other file. */
export function versionSeq(name: string): number | undefined {
  const m = NAME.exec(name);
  return m ? Number(m[1]) : undefined;
}

export function encodeVersionFile(file: VersionFile): string {
  return JSON.stringify({ lockgateFile: FORMAT, ...file });
}

/** Parses a version file, refusing anything that is not one: a foreign or truncated file. */
/** `key`: the key expected in the file; undefined accepts any (when listing). */
export function decodeVersionFile(
  text: string,
  path: string,
  key: string | undefined,
): VersionFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw corrupt(path, "it is not JSON (truncated, or written by something else)", cause);
  }
  const p = parsed as Record<string, unknown>;
  if (typeof p !== "object" || p === null || p.lockgateFile !== FORMAT) {
    throw corrupt(path, "it is not a lockgate version file");
  }
  if (typeof p.key !== "string" || typeof p.version !== "string")
    throw corrupt(path, "key or version is missing");
  if (p.value !== null && typeof p.value !== "string")
    throw corrupt(path, "value is neither text nor null");
  if (key !== undefined && p.key !== key)
    throw corrupt(path, `it belongs to another key (${JSON.stringify(p.key)})`);
  const writer = p.writer as VersionFile["writer"] | undefined;
  return writer === undefined
    ? { key: p.key, version: p.version, value: p.value }
    : { key: p.key, version: p.version, value: p.value, writer };
}

function corrupt(path: string, why: string, cause?: unknown): LockgateError {
  return new LockgateError(
    "corrupt-record",
    `The lock file ${path} cannot be read: ${why}. Nothing was granted from it; ` +
      "remove that file (or its directory) to free the lock.",
    { cause },
  );
}
