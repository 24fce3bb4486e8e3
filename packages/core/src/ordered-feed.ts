import type { StoreRecord } from "./lock-store.ts";

/**
 * A record with its place among one key's changes: a number that grows with every write (a
 * version that is a counter or a clock). NaN: a read of an absent key that has none.
 */
export interface OrderedRecord {
  readonly record: StoreRecord;
  readonly order: number;
}

/**
 * One watch of one key, for store adapters whose change notices may come late, twice or out
 * of order (pub/sub, NOTIFY, polls, re-reads after a reconnect). Notices wait until the first
 * read is in, since they may be older than it; after that only newer ones pass, so the watch
 * yields each state once, in order. An absent read without an order is news only as the first
 * item: deletes must come as notices with an order.
 */
export class OrderedFeed {
  #early: OrderedRecord[] | undefined = [];
  #order = -1;
  #started = false;
  readonly #pending: StoreRecord[] = [];
  #failure: unknown;
  #wake: () => void = () => {};

  /** A notice or a re-read; dropped unless newer than what the feed has. */
  offer(notice: OrderedRecord): void {
    if (this.#early) {
      this.#early.push(notice);
      return;
    }
    if (Number.isNaN(notice.order)) {
      if (this.#started) return;
    } else {
      if (notice.order <= this.#order) return;
      this.#order = notice.order;
    }
    this.#started = true;
    this.#pending.push(notice.record);
    this.#wake();
  }

  /** The read made after the notices began to flow: it comes first, then newer notices. */
  start(first: OrderedRecord): void {
    const early = this.#early ?? [];
    this.#early = undefined;
    this.offer(first);
    for (const notice of early) this.offer(notice);
  }

  /** Ends the watch with `error` once what is queued has been yielded. */
  fail(error: unknown): void {
    this.#failure ??= error;
    this.#wake();
  }

  /** Wakes the reader, to look at its signals. */
  wake(): void {
    this.#wake();
  }

  /** The records in order, until any of `signals` aborts. */
  async *records(...signals: AbortSignal[]): AsyncIterable<StoreRecord> {
    const stop = () => this.#wake();
    for (const signal of signals) signal.addEventListener("abort", stop);
    try {
      while (!signals.some((signal) => signal.aborted)) {
        const next = this.#pending.shift();
        if (next) {
          yield next;
          continue;
        }
        if (this.#failure !== undefined) throw this.#failure;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
      }
    } finally {
      for (const signal of signals) signal.removeEventListener("abort", stop);
    }
  }
}
