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
 * give keys back), a counter bumped by every write of ours, so that rewriting the same value
 * still changes the version, and, while the lock is free, the record itself (`aside`): Go
 * lockgate reads an absent lock annotation as a free lock and removes it on its last release,
 * so a free lock of ours looks to Go exactly as Go leaves one, while what we keep of it (the
 * fencing counter) stays here, where Go never looks.
 */
export interface RecordMeta {
  readonly key: string;
  readonly rev: number;
  readonly aside?: string;
}

export function encodeMeta(meta: RecordMeta): string {
  return JSON.stringify(
    meta.aside === undefined
      ? { key: meta.key, rev: meta.rev }
      : { key: meta.key, rev: meta.rev, aside: meta.aside },
  );
}

export function parseMeta(text: string | undefined): RecordMeta | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as { key?: unknown; rev?: unknown; aside?: unknown };
    if (typeof parsed.key === "string" && Number.isSafeInteger(parsed.rev))
      return typeof parsed.aside === "string"
        ? { key: parsed.key, rev: parsed.rev as number, aside: parsed.aside }
        : { key: parsed.key, rev: parsed.rev as number };
  } catch {
    // A meta annotation someone else wrote: ignored, the next write replaces it.
  }
  return undefined;
}

/**
 * A version is the exact pair of annotation texts it was read with (the lock annotation null
 * while the record is kept aside): a write then tests both with JSON Patch `test` operations
 * (or, where the lock annotation must be absent, the object's resourceVersion), so it fails on
 * any change to this lock's annotations (by us or by Go lockgate) and on nothing else.
 */
export interface VersionParts {
  readonly meta: string | null;
  readonly value: string | null;
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
      (parsed[1] === null || typeof parsed[1] === "string") &&
      (parsed[0] !== null || parsed[1] !== null)
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
  const meta = annotations[metaAnnotationKey(key)];
  if (value === undefined) {
    const aside = parseMeta(meta)?.aside;
    if (meta === undefined || aside === undefined) return { value: null, version: null };
    return { value: aside, version: encodeVersion({ meta, value: null }) };
  }
  return { value, version: encodeVersion({ meta: meta ?? null, value }) };
}

/**
 * Keys with a record: ours by their meta annotation (a free one only there), Go lockgate's by
 * the lockName they carry.
 */
export function keysIn(annotations: Annotations): string[] {
  const keys = new Set<string>();
  for (const [name, text] of Object.entries(annotations)) {
    if (name.startsWith(META_ANNOTATION_PREFIX)) {
      const meta = parseMeta(text);
      const hash = name.slice(META_ANNOTATION_PREFIX.length);
      if (meta?.aside !== undefined && lockNameHash(meta.key) === hash) keys.add(meta.key);
      continue;
    }
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
