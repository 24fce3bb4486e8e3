import { KubeConfig } from "@kubernetes/client-node";
import {
  closedError,
  LockgateError,
  type LockStore,
  type StoreCapabilities,
  type StoreRecord,
} from "@lockgate/core";
import { annotationPointer, lockAnnotationKey, metaAnnotationKey } from "./annotation-keys.ts";
import {
  type Annotations,
  decodeVersion,
  encodeMeta,
  encodeVersion,
  keysIn,
  parseMeta,
  recordIn,
} from "./annotation-record.ts";
import { apiError, isPatchNotApplied } from "./api-errors.ts";
import { KubernetesApi } from "./kubernetes-api.ts";
import { type ObjectReference, type ResolvedObject, resolveObject } from "./object-reference.ts";
import { ObjectWatch } from "./object-watch.ts";

export interface KubernetesStoreOptions {
  /** The object whose annotations hold the records. It must exist; the store never creates it. */
  object: ObjectReference;
  /** Default: `loadFromDefault()`: $KUBECONFIG, ~/.kube/config, or the in-cluster service account. */
  kubeConfig?: KubeConfig;
  /** Deadline of one API call in ms. Default 10 000. */
  callTimeout?: number;
  /** How often the shared watch is checked against a plain read, in ms. Default 5 000. */
  resyncInterval?: number;
  /** Attempts of a create that only lost to changes of other annotations. Default 16. */
  createAttempts?: number;
  /** Background errors that were handled (a watch that broke and was reconnected, ...). */
  onError?: (error: unknown) => void;
  /**
   * Which values stand for a free lock. Such a value is kept in this store's own meta
   * annotation and the lock annotation is removed, as Go lockgate leaves a free lock (it
   * deletes the annotation on its last release): Go then sees a free lock as free, while the
   * record (its fencing counter) survives. `KubernetesLocker` passes `isFreeGoLockgateRecord`.
   * Default: none (every value is written to the lock annotation).
   */
  isFree?: (value: string) => boolean;
}

const JSON_PATCH = "application/json-patch+json";

type PatchOperation =
  | { op: "test" | "add" | "replace"; path: string; value: unknown }
  | { op: "remove"; path: string };

/**
 * A LockStore in the annotations of one Kubernetes object. Each write is a JSON Patch whose
 * `test` operations compare this key's annotations to the version read, so it is compare-and-
 * swap per annotation: changes to other annotations, labels or data of the object never make it
 * fail, and the API server applies it atomically. Creating a key tests the object's
 * resourceVersion instead (JSON Patch cannot test that a member is absent) and is re-checked
 * and retried when only something else changed.
 */
export class KubernetesStore implements LockStore {
  readonly capabilities: StoreCapabilities = { watch: "latest", list: true };
  readonly kubeConfig: KubeConfig;
  readonly #api: KubernetesApi;
  readonly #reference: ObjectReference;
  readonly #createAttempts: number;
  readonly #isFree: ((value: string) => boolean) | undefined;
  readonly #watch: ObjectWatch;
  readonly #closing = new AbortController();
  #resolved: Promise<ResolvedObject> | undefined;

  constructor(options: KubernetesStoreOptions) {
    if (!options?.object)
      throw new LockgateError(
        "invalid-argument",
        "KubernetesStore needs `object`: the object that holds the locks",
      );
    this.kubeConfig = options.kubeConfig ?? defaultKubeConfig();
    this.#api = new KubernetesApi(this.kubeConfig, options.callTimeout ?? 10_000);
    this.#reference = options.object;
    this.#createAttempts = options.createAttempts ?? 16;
    this.#isFree = options.isFree;
    this.#watch = new ObjectWatch(
      this.#api,
      () => this.object(),
      options.resyncInterval ?? 5_000,
      options.onError ?? (() => {}),
    );
  }

  /** Where the object is in the API (resolved by discovery when given by kind). */
  object(): Promise<ResolvedObject> {
    if (!this.#resolved) {
      const resolving = resolveObject(this.#api, this.#reference);
      this.#resolved = resolving;
      // A failed lookup is tried again next time, not remembered.
      resolving.catch(() => {
        if (this.#resolved === resolving) this.#resolved = undefined;
      });
    }
    return this.#resolved;
  }

  async get(key: string): Promise<StoreRecord> {
    const { annotations } = await this.#read();
    return recordIn(annotations, key);
  }

  async put(
    key: string,
    value: string | null,
    expectedVersion: string | null,
  ): Promise<string | null> {
    this.#assertOpen();
    if (expectedVersion === null) return this.#writeWhereAbsent(key, value, null);
    const expected = decodeVersion(expectedVersion);
    if (!expected) throw conflict(key);
    // Kept aside: the lock annotation must still be absent, which only the object's
    // resourceVersion can test.
    if (expected.value === null) return this.#writeWhereAbsent(key, value, expectedVersion);
    const lockKey = lockAnnotationKey(key);
    const metaKey = metaAnnotationKey(key);
    const meta = this.#nextMeta(key, expected.meta, value);
    const ops: PatchOperation[] = [
      { op: "test", path: annotationPointer(lockKey), value: expected.value },
    ];
    if (expected.meta !== null)
      ops.push({ op: "test", path: annotationPointer(metaKey), value: expected.meta });
    ops.push(
      value === null || this.#keptAside(value)
        ? { op: "remove", path: annotationPointer(lockKey) }
        : { op: "replace", path: annotationPointer(lockKey), value },
      // The meta annotation outlives a deleted record, so a re-created key never repeats a version.
      {
        op: expected.meta === null ? "add" : "replace",
        path: annotationPointer(metaKey),
        value: meta,
      },
    );
    if (!(await this.#patch(ops, "update a lock record"))) {
      // Not applied: lost to another writer of this record, or a patch the server cannot apply.
      const { annotations } = await this.#read();
      if (recordIn(annotations, key).version !== expectedVersion) throw conflict(key);
      throw await this.#refusedPatch(ops, "update a lock record");
    }
    return this.#versionOf(value, meta);
  }

  /**
   * A write where the lock annotation must be absent: a create (`expectedVersion` null) or a
   * change of a record kept aside. JSON Patch cannot test that a member is absent (RFC 6902), so
   * the patch tests the object's resourceVersion, and is tried again while only other parts of
   * the object changed.
   */
  async #writeWhereAbsent(
    key: string,
    value: string | null,
    expectedVersion: string | null,
  ): Promise<string | null> {
    const lockKey = lockAnnotationKey(key);
    const metaKey = metaAnnotationKey(key);
    for (let attempt = 1; ; attempt++) {
      const { annotations, rv, hasAnnotations } = await this.#read();
      if (recordIn(annotations, key).version !== expectedVersion) throw conflict(key);
      if (value === null && expectedVersion === null) return null;
      // The version matched, so this meta is the expected one (or a tombstone of a deleted key).
      const meta = this.#nextMeta(key, annotations[metaKey] ?? null, value);
      const set: Record<string, string> = { [metaKey]: meta };
      if (value !== null && !this.#keptAside(value)) set[lockKey] = value;
      const ops: PatchOperation[] = [{ op: "test", path: "/metadata/resourceVersion", value: rv }];
      if (hasAnnotations) {
        // `add` of an existing member replaces it (RFC 6902 4.1): the meta tombstone, if any.
        for (const [name, text] of Object.entries(set))
          ops.push({ op: "add", path: annotationPointer(name), value: text });
      } else {
        ops.push({ op: "add", path: "/metadata/annotations", value: set });
      }
      if (await this.#patch(ops, "write a lock record")) return this.#versionOf(value, meta);
      // Not applied. The next read decides: the record changed (a conflict), or only other
      // parts of the object did (try again), or nothing changed (the patch itself is bad).
      const after = await this.#read();
      if (recordIn(after.annotations, key).version !== expectedVersion) throw conflict(key);
      if (after.rv === rv) throw await this.#refusedPatch(ops, "write a lock record");
      if (attempt >= this.#createAttempts) throw conflict(key);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }

  /** The meta annotation after a write of `value` over the record whose meta was `previous`. */
  #nextMeta(key: string, previous: string | null, value: string | null): string {
    const rev = (parseMeta(previous ?? undefined)?.rev ?? 0) + 1;
    return encodeMeta(
      value !== null && this.#keptAside(value) ? { key, rev, aside: value } : { key, rev },
    );
  }

  #versionOf(value: string | null, meta: string): string | null {
    if (value === null) return null;
    return encodeVersion({ meta, value: this.#keptAside(value) ? null : value });
  }

  #keptAside(value: string): boolean {
    return this.#isFree?.(value) ?? false;
  }

  watch(key: string, signal: AbortSignal): AsyncIterable<StoreRecord> {
    this.#assertOpen();
    const queue: StoreRecord[] = [];
    let wake: (() => void) | undefined;
    let failure: unknown;
    let ended = false;
    let last: string | null | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    const unsubscribe = this.#watch.subscribe({
      next: (annotations) => {
        const record = recordIn(annotations, key);
        if (last !== undefined && record.version === last) return; // another key changed
        last = record.version;
        queue.push(record);
        notify();
      },
      error: (error) => {
        failure = error;
        notify();
      },
    });
    const end = () => {
      ended = true;
      unsubscribe();
      notify();
    };
    signal.addEventListener("abort", end, { once: true });
    this.#closing.signal.addEventListener("abort", end, { once: true });
    if (signal.aborted) end();
    const closing = this.#closing.signal;
    return {
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            const next = queue.shift();
            if (next) {
              yield next;
              continue;
            }
            if (failure !== undefined) throw failure;
            if (ended) return;
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
          }
        } finally {
          end();
          signal.removeEventListener("abort", end);
          closing.removeEventListener("abort", end);
        }
      },
    };
  }

  async list(prefix: string): Promise<string[]> {
    const { annotations } = await this.#read();
    return keysIn(annotations).filter((key) => key.startsWith(prefix));
  }

  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort();
    this.#watch.stop();
    this.#api.close();
  }

  async #read(): Promise<{ annotations: Annotations; rv: string; hasAnnotations: boolean }> {
    this.#assertOpen();
    const object = await this.object();
    const response = await this.#api.request({
      method: "GET",
      path: object.path,
      signal: this.#closing.signal,
    });
    if (response.status !== 200) throw apiError(response, object, "get the lock object");
    const metadata = (
      response.body as {
        metadata?: { resourceVersion?: string; annotations?: Record<string, string> | null };
      }
    ).metadata;
    const annotations = metadata?.annotations;
    return {
      annotations: annotations ?? {},
      rv: metadata?.resourceVersion ?? "",
      hasAnnotations: !!annotations,
    };
  }

  /**
   * True when applied; false when the server did not apply it (a 409, or a 422 without causes:
   * see isPatchNotApplied), which the caller settles by reading the object again.
   */
  async #patch(ops: PatchOperation[], doing: string): Promise<boolean> {
    const object = await this.object();
    const response = await this.#api.request({
      method: "PATCH",
      path: object.path,
      query: { fieldManager: "lockgate" },
      contentType: JSON_PATCH,
      body: ops,
      signal: this.#closing.signal,
    });
    if (response.status === 200) return true;
    if (response.status === 409 || isPatchNotApplied(response)) return false;
    throw apiError(response, object, doing);
  }

  /** The error for a patch the server refused although the record was as the patch expected. */
  async #refusedPatch(ops: readonly PatchOperation[], doing: string): Promise<LockgateError> {
    const object = await this.object();
    const steps = ops.map((o) => `${o.op} ${o.path}`).join(", ");
    return new LockgateError(
      "invalid-argument",
      `The API server refused to apply our JSON Patch to ${doing} on ${object.description} (422), ` +
        `although the lock's annotations were still as the patch expected: [${steps}]. ` +
        "This is a bug in lockgate or an admission webhook that rewrites the object; please report it.",
      { retryable: false },
    );
  }

  #assertOpen(): void {
    if (this.#closing.signal.aborted) throw closedError("This KubernetesStore");
  }
}

function conflict(key: string): LockgateError {
  return new LockgateError(
    "conflict",
    `The record of ${JSON.stringify(key)} changed since it was read`,
  );
}

function defaultKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  return kubeConfig;
}
