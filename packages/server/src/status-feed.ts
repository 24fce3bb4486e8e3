import type { LeaseBackend, LockInfo } from "@lockgate/core";

/** How often the feed reads the store while a page is open: changes through other instances. */
const REFRESH_MS = 1_000;
/** Changes through this instance are read back this soon, coalesced. */
const POKE_DELAY_MS = 30;

type Listener = (locks: readonly LockInfo[]) => void;

/**
 * Every lock, for the status pages that are open: one read of the store per second however
 * many pages watch, and one within 30 ms of any change made through this instance. Nothing
 * is read while no page is open. Listeners hear only changed states.
 */
export class StatusFeed {
  readonly #backend: LeaseBackend;
  readonly #listeners = new Set<Listener>();
  #latest: readonly LockInfo[] | undefined;
  #latestText = "";
  #timer: ReturnType<typeof setTimeout> | undefined;
  #dueAt = 0;
  #reading: Promise<void> | undefined;
  #again = false;

  constructor(backend: LeaseBackend) {
    this.#backend = backend;
  }

  /** Calls `listener` with the current state, then with each change, until unsubscribed. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    if (this.#latest) listener(this.#latest);
    this.#schedule(0);
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0 && this.#timer) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  /** Something changed through this instance: read soon (if anyone watches). */
  poke(): void {
    if (this.#listeners.size > 0) this.#schedule(POKE_DELAY_MS);
  }

  /** A read in `ms`, unless one is due sooner: a stream of pokes must not postpone it. */
  #schedule(ms: number): void {
    const at = performance.now() + ms;
    if (this.#timer) {
      if (this.#dueAt <= at) return;
      clearTimeout(this.#timer);
    }
    this.#dueAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#read();
    }, ms);
  }

  async #read(): Promise<void> {
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = (async () => {
      try {
        const locks = await this.#backend.list("");
        const text = JSON.stringify(locks);
        if (text !== this.#latestText) {
          this.#latestText = text;
          this.#latest = locks;
          for (const listener of this.#listeners) listener(locks);
        }
      } catch {
        // The store is away: pages keep what they show; the next read tries again.
      }
    })();
    await this.#reading;
    this.#reading = undefined;
    if (this.#listeners.size === 0) return;
    if (this.#again) {
      this.#again = false;
      this.#schedule(0);
    } else if (!this.#timer) this.#schedule(REFRESH_MS);
  }
}
