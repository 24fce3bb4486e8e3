import {
  closedError,
  LockgateError,
  type LockRecord,
  type LockStore,
  type StoreCapabilities,
  type StoreRecord,
  StructuredRecord,
} from "@lockgate/core";

/** A key's current version: text from `put`, or a record object from `putRecord`. */
type Entry = StoreRecord & { readonly version: string };

export interface MemoryStoreOptions {
  /**
   * Refuse values longer than this many characters. Default 1 MiB. Records a Locker writes
   * are kept as objects (`putRecord`) and not measured: that would mean encoding each one.
   */
  maxValueLength?: number;
}

const ABSENT: StoreRecord = { value: null, version: null };

/**
 * A LockStore in this process's memory. Every write is delivered to watchers at once, so
 * waiters in the process wake the moment a lock is freed. State dies with the process.
 */
export class MemoryStore implements LockStore {
  readonly capabilities: StoreCapabilities = { watch: "every-change", list: true };
  readonly #entries = new Map<string, Entry>();
  readonly #watchers = new Map<string, Set<(record: StoreRecord) => void>>();
  readonly #maxValueLength: number;
  #counter = 0;
  #closed = false;
  readonly #onClose = new Set<() => void>();

  constructor(options: MemoryStoreOptions = {}) {
    this.#maxValueLength = options.maxValueLength ?? 1024 * 1024;
  }

  async get(key: string): Promise<StoreRecord> {
    this.#assertOpen();
    return this.#entries.get(key) ?? ABSENT;
  }

  async put(
    key: string,
    value: string | null,
    expectedVersion: string | null,
  ): Promise<string | null> {
    this.#assertOpen();
    if (value !== null && value.length > this.#maxValueLength) {
      throw new LockgateError(
        "invalid-argument",
        `Value for ${JSON.stringify(key)} is ${value.length} characters; the limit is ${this.#maxValueLength}`,
      );
    }
    const current = this.#expect(key, expectedVersion);
    if (value === null) {
      if (!current) return null;
      this.#entries.delete(key);
      this.#notify(key, ABSENT);
      return null;
    }
    return this.#set(key, { value, version: String(++this.#counter) });
  }

  /** Keeps the Locker's record object itself: no text is made unless someone reads `value`. */
  async putRecord(
    key: string,
    record: LockRecord,
    expectedVersion: string | null,
  ): Promise<string> {
    this.#assertOpen();
    this.#expect(key, expectedVersion);
    return this.#set(key, new StructuredRecord(record, ++this.#counter));
  }

  #expect(key: string, expectedVersion: string | null): Entry | undefined {
    const current = this.#entries.get(key);
    if ((current?.version ?? null) !== expectedVersion) {
      throw new LockgateError(
        "conflict",
        `Version of ${JSON.stringify(key)} is ${current?.version ?? "absent"}, not ${expectedVersion ?? "absent"}`,
      );
    }
    return current;
  }

  #set(key: string, entry: Entry): string {
    this.#entries.set(key, entry);
    this.#notify(key, entry);
    return entry.version;
  }

  #notify(key: string, record: StoreRecord): void {
    const watchers = this.#watchers.get(key);
    if (watchers) for (const notify of watchers) notify(record);
  }

  watch(key: string, signal: AbortSignal): AsyncIterable<StoreRecord> {
    this.#assertOpen();
    // Subscribe now, not at the first next(): the first item must be the state as of this call.
    const pending: StoreRecord[] = [this.#entries.get(key) ?? ABSENT];
    let wake: (() => void) | undefined;
    let ended = false;
    const onRecord = (record: StoreRecord) => {
      pending.push(record);
      wake?.();
    };
    const end = () => {
      ended = true;
      wake?.();
    };
    let set = this.#watchers.get(key);
    if (!set) {
      set = new Set();
      this.#watchers.set(key, set);
    }
    set.add(onRecord);
    signal.addEventListener("abort", end, { once: true });
    this.#onClose.add(end);
    const cleanup = () => {
      set.delete(onRecord);
      if (set.size === 0 && this.#watchers.get(key) === set) this.#watchers.delete(key);
      signal.removeEventListener("abort", end);
      this.#onClose.delete(end);
    };
    if (signal.aborted) end();

    return {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<StoreRecord>> => {
          for (;;) {
            if (ended) {
              cleanup();
              return { done: true, value: undefined };
            }
            const record = pending.shift();
            if (record) return { done: false, value: record };
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
            wake = undefined;
          }
        },
        return: async (): Promise<IteratorResult<StoreRecord>> => {
          ended = true;
          cleanup();
          return { done: true, value: undefined };
        },
      }),
    };
  }

  async list(prefix: string): Promise<string[]> {
    this.#assertOpen();
    return [...this.#entries.keys()].filter((key) => key.startsWith(prefix));
  }

  /** Number of keys held (tombstones of released locks included). */
  get size(): number {
    return this.#entries.size;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const end of [...this.#onClose]) end();
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw closedError("The memory store");
    }
  }
}
