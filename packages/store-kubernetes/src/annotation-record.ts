import type { StoreRecord } from "@lockgate/core";
import {
  LOCK_ANNOTATION_PREFIX,
  lockAnnotationKey,
  lockNameHash,
  META_ANNOTATION_PREFIX,
  metaAnnotationKey,
} from "./annotation-keys.ts";

export type Annotations = Readonly<Record<string, string>>;

/**
 * What the store keeps beside a record: the key (annotation names are hashes, and `list` must
 * give keys back) and a counter bumped by every write of ours, so that rewriting the same value
 * still changes the version. Go lockgate never touches this annotation.
 */
export interface RecordMeta {
  readonly key: string;
  readonly rev: number;
}

export function encodeMeta(meta: RecordMeta): string {
  return JSON.stringify({ key: meta.key, rev: meta.rev });
}

export function parseMeta(text: string | undefined): RecordMeta | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as { key?: unknown; rev?: unknown };
    if (typeof parsed.key === "string" && Number.isSafeInteger(parsed.rev))
      return { key: parsed.key, rev: parsed.rev as number };
  } catch {
    // A meta annotation someone else wrote: ignored, the next write replaces it.
  }
  return undefined;
}

/**
 * A version is the exact pair of annotation texts it was read with: a write then tests both
 * with JSON Patch `test` operations, so it fails on any change to this lock's annotations
 * (by us or by Go lockgate) and on nothing else.
 */
export interface VersionParts {
  readonly meta: string | null;
  readonly value: string;
}

export function encodeVersion(parts: VersionParts): string {
  return JSON.stringify([parts.meta, parts.value]);
}

export function decodeVersion(version: string): VersionParts | undefined {
  try {
    const parsed = JSON.parse(version) as unknown;
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      (parsed[0] === null || typeof parsed[0] === "string") &&
      typeof parsed[1] === "string"
    ) {
      return { meta: parsed[0], value: parsed[1] };
    }
  } catch {
    // Not one of ours: a conflict, like any unknown version.
  }
  return undefined;
}

/** The store record of `key` in an object's annotations. */
export function recordIn(annotations: Annotations, key: string): StoreRecord {
  const value = annotations[lockAnnotationKey(key)];
  if (value === undefined) return { value: null, version: null };
  return {
    value,
    version: encodeVersion({ meta: annotations[metaAnnotationKey(key)] ?? null, value }),
  };
}

/** Keys with a record: ours by their meta annotation, Go lockgate's by the lockName they carry. */
export function keysIn(annotations: Annotations): string[] {
  const keys = new Set<string>();
  for (const [name, text] of Object.entries(annotations)) {
    if (!name.startsWith(LOCK_ANNOTATION_PREFIX)) continue;
    const hash = name.slice(LOCK_ANNOTATION_PREFIX.length);
    const meta = parseMeta(annotations[META_ANNOTATION_PREFIX + hash]);
    if (meta && lockNameHash(meta.key) === hash) {
      keys.add(meta.key);
      continue;
    }
    try {
      const lockName = (JSON.parse(text) as { lockName?: unknown }).lockName;
      if (typeof lockName === "string" && lockNameHash(lockName) === hash) keys.add(lockName);
    } catch {
      // Neither ours nor Go lockgate's: not listed.
    }
  }
  return [...keys];
}
