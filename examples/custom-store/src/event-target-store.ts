import {
  LockgateError,
  type LockStore,
  type StoreCapabilities,
  type StoreRecord,
} from "@lockgate/core";

/**
 * A complete LockStore in about eighty lines: a Map with compare-and-swap, change events for
 * watch, and list. Swap the Map for your database and keep the same checks.
 */
export class EventTargetStore implements LockStore {
  readonly capabilities: StoreCapabilities = { watch: "every-change", list: true };
  readonly #values = new Map<string, { value: string; version: string }>();
  readonly #events = new EventTarget();
  #nextVersion = 1;
  #closed = false;

  async get(key: string): Promise<StoreRecord> {
    this.#assertOpen();
    return this.#values.get(key) ?? { value: null, version: null };
  }

  async put(
    key: string,
    value: string | null,
    expectedVersion: string | null,
  ): Promise<string | null> {
    this.#assertOpen();
    const current = this.#values.get(key)?.version ?? null;
    if (current !== expectedVersion) {
      // The one error the lease algorithm retries on: someone else wrote first.
      throw new LockgateError(
        "conflict",
        `${key} is at version ${current}, not ${expectedVersion}`,
      );
    }
    const record = value === null ? null : { value, version: String(this.#nextVersion++) };
    if (record) this.#values.set(key, record);
    else this.#values.delete(key);
    this.#events.dispatchEvent(
      new CustomEvent(key, { detail: record ?? { value: null, version: null } }),
    );
    return record?.version ?? null;
  }

  async *watch(key: string, signal: AbortSignal): AsyncIterable<StoreRecord> {
    // Subscribe before yielding the current state, so no change falls in between.
    const pending: StoreRecord[] = [];
    let wake = () => {};
    const onChange = (event: Event) => {
      pending.push((event as CustomEvent<StoreRecord>).detail);
      wake();
    };
    this.#events.addEventListener(key, onChange);
    this.#events.addEventListener("close", () => wake(), { once: true });
    signal.addEventListener("abort", () => wake(), { once: true });
    try {
      yield await this.get(key);
      while (!signal.aborted && !this.#closed) {
        const next = pending.shift();
        if (next) yield next;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      this.#events.removeEventListener(key, onChange);
    }
  }

  async list(prefix: string): Promise<string[]> {
    this.#assertOpen();
    return [...this.#values.keys()].filter((key) => key.startsWith(prefix));
  }

  /** Ends every watch; later calls fail with "store-unavailable". */
  async close(): Promise<void> {
    this.#closed = true;
    this.#events.dispatchEvent(new Event("close"));
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new LockgateError("store-unavailable", "store is closed", { retryable: false });
  }
}
