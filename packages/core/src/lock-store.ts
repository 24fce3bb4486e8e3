import type { LockRecord } from "./lock-record.ts";

/** One key's content as a store holds it. Both fields are null when the key is absent. */
export interface StoreRecord {
  readonly value: string | null;
  /** Opaque; changes on every write. Only ever compared for equality. */
  readonly version: string | null;
  /**
   * The fencing counter the record must go on from, at or above. A store that can lose records
   * or their latest writes (Redis restarted without its data, a file written without fsync
   * before a power cut) sets it from something that outlives them, so tokens keep increasing;
   * the Locker raises the record's counter to it (a new record starts there).
   */
  readonly floor?: number;
  /**
   * The record itself, from a store that keeps records as objects (see `LockStore.putRecord`);
   * `value` is then its text in lockgate's JSON, made only when read.
   */
  readonly record?: LockRecord;
}

export interface StoreCapabilities {
  /**
   * "every-change": `watch` yields every committed version in order.
   * "latest": `watch` may coalesce changes but always yields the latest state eventually.
   * false: no `watch`; the lease backend polls.
   */
  readonly watch: "every-change" | "latest" | false;
  /** `list(prefix)` is available. */
  readonly list: boolean;
}

/**
 * The contract a store adapter implements: one small text record per key, with
 * compare-and-swap. `@lockgate/store-conformance` is its executable form.
 */
export interface LockStore {
  readonly capabilities: StoreCapabilities;
  /** The key's current value and version. */
  get(key: string): Promise<StoreRecord>;
  /**
   * Writes `value` (null deletes) only if the key's version is still `expectedVersion`
   * (null: only if the key is absent). Throws a LockgateError with code "conflict" on a
   * mismatch and "store-unavailable" (with the cause) when the backend fails. A conflict may
   * carry `current`, the record the store holds, when the same round trip can tell: the
   * Locker then retries on it without a read (its next write is still compare-and-swap).
   * Resolves to the new version, or null after a delete.
   */
  put(key: string, value: string | null, expectedVersion: string | null): Promise<string | null>;
  /**
   * `put` of a record as an object, for a store in this process's memory: it keeps the object
   * (records are never mutated) and gives it back as `StoreRecord.record`, so no write encodes
   * and no read decodes. Used only with lockgate's own JSON codec, which its `value` must
   * follow. Same compare-and-swap contract as `put`.
   */
  putRecord?(key: string, record: LockRecord, expectedVersion: string | null): Promise<string>;
  /**
   * The key's record each time it changes. The first item is the record as of the moment
   * the watch is live, so a caller that acts on it misses nothing in between. Ends when
   * `signal` aborts or the store closes; throws "store-unavailable" if it cannot go on.
   */
  watch?(key: string, signal: AbortSignal): AsyncIterable<StoreRecord>;
  /** Keys that start with `prefix` (in any order). */
  list?(prefix: string): Promise<string[]>;
  /** Releases connections and ends watches. Idempotent. */
  close?(): Promise<void>;
}
