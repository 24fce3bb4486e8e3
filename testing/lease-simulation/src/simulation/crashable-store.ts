import type { LockStore, StoreRecord } from "@lockgate/core";

const never = <T>(): Promise<T> => new Promise<T>(() => {});

/**
 * A participant's connection to the store that dies with it: after `crash()` no call answers
 * again. Writes already on their way still land, as they would from a real crashed process.
 */
export class CrashableStore implements LockStore {
  crashed = false;
  readonly #inner: LockStore;

  constructor(inner: LockStore) {
    this.#inner = inner;
  }

  get capabilities(): LockStore["capabilities"] {
    return this.#inner.capabilities;
  }

  async get(key: string): Promise<StoreRecord> {
    if (this.crashed) return never();
    const result = await this.#inner.get(key);
    return this.crashed ? never() : result;
  }

  async put(key: string, value: string | null, expected: string | null): Promise<string | null> {
    if (this.crashed) return never();
    const result = await this.#inner.put(key, value, expected);
    return this.crashed ? never() : result;
  }

  async *watch(key: string, signal: AbortSignal): AsyncIterable<StoreRecord> {
    const inner = (this.#inner.watch as NonNullable<LockStore["watch"]>).call(
      this.#inner,
      key,
      signal,
    );
    for await (const record of inner) {
      if (this.crashed) return never();
      yield record;
    }
  }
}
