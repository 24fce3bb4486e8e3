import {
  type Clock,
  delay,
  LockgateError,
  type LockStore,
  type StoreCapabilities,
  type StoreRecord,
  systemClock,
} from "@lockgate/core";

export interface FaultInjectingStoreOptions {
  /** Delay in ms before a call reaches the store, and again before its answer returns. */
  latency?: () => number;
  /**
   * Probability in [0, 1] that another writer slips in just before a `put`, so that the put
   * meets a real version conflict (the value is rewritten unchanged under a new version).
   */
  conflictRate?: number;
  clock?: Clock;
  random?: () => number;
}

/**
 * Wraps a store to inject latency, real CAS conflicts and outages (`unavailable = true`), for
 * proving lock behaviour under faults. Writes that land during an outage are refused before
 * they reach the store, so an outage never hides a successful write.
 */
export class FaultInjectingStore implements LockStore {
  readonly inner: LockStore;
  /** While true every call fails with a retryable "store-unavailable" error. */
  unavailable = false;
  /** Counts of calls that reached the inner store. */
  readonly calls: { get: number; put: number; injectedConflicts: number } = {
    get: 0,
    put: 0,
    injectedConflicts: 0,
  };
  /** Clock time at which the last successful `put` was sent (it took effect no earlier). */
  lastWriteSentAt: number | undefined;
  readonly #options: FaultInjectingStoreOptions;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly watch?: (key: string, signal: AbortSignal) => AsyncIterable<StoreRecord>;
  readonly list?: (prefix: string) => Promise<string[]>;

  constructor(inner: LockStore, options: FaultInjectingStoreOptions = {}) {
    this.inner = inner;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    const { watch, list } = inner;
    // Offer exactly the optional methods the inner store offers.
    if (watch) this.watch = (key, signal) => watch.call(inner, key, signal);
    if (list) {
      this.list = async (prefix) => {
        await this.#travel();
        this.#check();
        return list.call(inner, prefix);
      };
    }
  }

  get capabilities(): StoreCapabilities {
    return this.inner.capabilities;
  }

  async get(key: string): Promise<StoreRecord> {
    await this.#travel();
    this.#check();
    this.calls.get++;
    const record = await this.inner.get(key);
    await this.#travel();
    return record;
  }

  async put(
    key: string,
    value: string | null,
    expectedVersion: string | null,
  ): Promise<string | null> {
    await this.#travel();
    this.#check();
    const rate = this.#options.conflictRate ?? 0;
    if (rate > 0 && this.#random() < rate) {
      const current = await this.inner.get(key);
      if (current.value !== null) {
        await this.inner.put(key, current.value, current.version).catch(() => {});
        this.calls.injectedConflicts++;
      }
    }
    this.calls.put++;
    const sentAt = this.#clock.now();
    const version = await this.inner.put(key, value, expectedVersion);
    this.lastWriteSentAt = sentAt;
    await this.#travel();
    return version;
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }

  async #travel(): Promise<void> {
    const ms = this.#options.latency?.() ?? 0;
    if (ms > 0) await delay(this.#clock, ms);
  }

  #check(): void {
    if (this.unavailable) {
      throw new LockgateError("store-unavailable", "Injected outage: the store cannot be reached");
    }
  }
}
