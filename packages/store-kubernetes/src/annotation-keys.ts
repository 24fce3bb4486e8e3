import { sha3_224 } from "@noble/hashes/sha3.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

/** Go lockgate's prefix: the record of lock `name` is at `lockgate.io/<hex SHA3-224 of name>`. */
export const LOCK_ANNOTATION_PREFIX = "lockgate.io/";
/** Our bookkeeping beside each record (its key and a write counter); Go lockgate never reads it. */
export const META_ANNOTATION_PREFIX = "meta.lockgate.io/";

/** Hex SHA3-224 of the UTF-8 name (56 characters), in pure JS so it runs on Node, Bun and Deno alike. */
export function lockNameHash(name: string): string {
  return bytesToHex(sha3_224(utf8ToBytes(name)));
}

/** The annotation Go lockgate reads and writes for lock `name`. */
export function lockAnnotationKey(name: string): string {
  return LOCK_ANNOTATION_PREFIX + lockNameHash(name);
}

export function metaAnnotationKey(name: string): string {
  return META_ANNOTATION_PREFIX + lockNameHash(name);
}

/** JSON Pointer (RFC 6901) to an annotation, for JSON Patch paths. */
export function annotationPointer(annotationKey: string): string {
  return `/metadata/annotations/${annotationKey.replaceAll("~", "~0").replaceAll("/", "~1")}`;
}
