/**
 * RFC 6902 JSON Patch, as kube-apiserver applies it (github.com/evanphx/json-patch): all
 * operations apply to a copy, and the first that fails rejects the whole patch. A `test`
 * against a path that does not exist fails (RFC 6902 section 4.6), as does `replace` or
 * `remove` of a missing member.
 *
 * Two kinds of failure, as in apiserver's patch handler (source, not recorded for the first):
 * a body that does not decode as a list of objects (DecodePatch) is a 400 Bad Request; anything
 * wrong with an operation (unknown op, missing path or value, a path that does not apply) is
 * found while applying and answers the recorded 422 with `details: {}`. The error texts here
 * never reach a client: the server drops them (see api-status.ts patchNotApplied).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface PatchOperation {
  readonly op: string;
  readonly path: string;
  readonly from?: string;
  readonly value?: Json;
}

export class PatchError extends Error {
  /** true: found while applying (422, no details); false: the body did not decode (400). */
  readonly applies: boolean;
  constructor(message: string, applies: boolean) {
    super(message);
    this.applies = applies;
  }
}

export function parsePatch(body: unknown): PatchOperation[] {
  if (!Array.isArray(body))
    throw new PatchError(
      "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
      false,
    );
  return body.map((raw) => {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw))
      throw new PatchError(
        "json: cannot unmarshal into Go value of type map[string]*json.RawMessage",
        false,
      );
    return raw as PatchOperation;
  });
}

/** Splits a JSON Pointer (RFC 6901): "/metadata/annotations/a~1b" -> ["metadata","annotations","a/b"]. */
function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/"))
    throw new PatchError(`invalid JSON pointer ${JSON.stringify(path)}`, true);
  return path
    .slice(1)
    .split("/")
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function isContainer(v: unknown): v is Record<string, Json> | Json[] {
  return typeof v === "object" && v !== null;
}

/** Parent container and last key of `path`, or a PatchError when the parent is missing. */
function locate(
  doc: Json,
  path: string,
  op: string,
): { parent: Record<string, Json> | Json[]; key: string } {
  const parts = pointer(path);
  const key = parts.pop();
  if (key === undefined)
    throw new PatchError(`${op} operation does not apply: the root cannot be the target`, true);
  let node: unknown = doc;
  for (const part of parts) {
    node = isContainer(node) ? (node as Record<string, unknown>)[part] : undefined;
    if (!isContainer(node)) {
      throw new PatchError(
        `${op} operation does not apply: doc is missing path: "${path}": missing value`,
        true,
      );
    }
  }
  return { parent: node as Record<string, Json> | Json[], key };
}

function read(doc: Json, path: string): Json | undefined {
  let node: unknown = doc;
  for (const part of pointer(path)) {
    if (!isContainer(node) || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node as Json;
}

function arrayIndex(list: Json[], key: string, forAdd: boolean, path: string): number {
  if (forAdd && key === "-") return list.length;
  const index = Number(key);
  const max = forAdd ? list.length : list.length - 1;
  if (!/^(0|[1-9][0-9]*)$/.test(key) || index > max) {
    throw new PatchError(`Unable to access invalid index: ${key} (path ${path})`, true);
  }
  return index;
}

function add(doc: Json, path: string, value: Json): Json {
  if (path === "") return clone(value);
  const { parent, key } = locate(doc, path, "add");
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true, path), 0, clone(value));
  else parent[key] = clone(value);
  return doc;
}

function remove(doc: Json, path: string, op = "remove"): Json {
  const { parent, key } = locate(doc, path, op);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false, path), 1);
  else {
    if (!Object.hasOwn(parent, key)) {
      throw new PatchError(
        `${op} operation does not apply: doc is missing key: ${path}: missing value`,
        true,
      );
    }
    delete parent[key];
  }
  return doc;
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isContainer(a) || !isContainer(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every(
      (k) =>
        Object.hasOwn(b, k) &&
        equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}

/** Applies `ops` to a copy of `doc`; throws PatchError without changing anything on failure. */
export function applyJsonPatch(doc: Json, ops: readonly PatchOperation[]): Json {
  let out = clone(doc);
  for (const op of ops) {
    if (typeof op.path !== "string") throw new PatchError(`${op.op} operation has no path`, true);
    switch (op.op) {
      case "add":
        if (!("value" in op)) throw new PatchError("add operation has no value", true);
        out = add(out, op.path, op.value as Json);
        break;
      case "remove":
        out = remove(out, op.path);
        break;
      case "replace": {
        if (!("value" in op)) throw new PatchError("replace operation has no value", true);
        if (read(out, op.path) === undefined) {
          throw new PatchError(
            `replace operation does not apply: doc is missing key: ${op.path}: missing value`,
            true,
          );
        }
        out = add(remove(out, op.path, "replace"), op.path, op.value as Json);
        break;
      }
      case "move":
      case "copy": {
        if (typeof op.from !== "string")
          throw new PatchError(`${op.op} operation has no from`, true);
        const value = read(out, op.from);
        if (value === undefined) {
          throw new PatchError(
            `${op.op} operation does not apply: doc is missing from path: ${op.from}: missing value`,
            true,
          );
        }
        if (op.op === "move") out = remove(out, op.from, "move");
        out = add(out, op.path, value);
        break;
      }
      case "test": {
        const actual = read(out, op.path);
        if (actual === undefined || !equal(actual, op.value ?? null)) {
          throw new PatchError(`testing value ${op.path} failed: test failed`, true);
        }
        break;
      }
      default:
        throw new PatchError(`Unexpected kind: ${String(op.op)}`, true);
    }
  }
  return out;
}

/** RFC 7386 JSON Merge Patch: objects merge recursively, null removes, anything else replaces. */
export function applyMergePatch(doc: Json, patch: Json): Json {
  if (!isContainer(patch) || Array.isArray(patch)) return clone(patch);
  const out: Record<string, Json> = isContainer(doc) && !Array.isArray(doc) ? clone(doc) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key] ?? null, value);
  }
  return out;
}

export type { Json };
