import { abortError, delay } from "./abortable-delay.ts";
import { backoffDelay, jitter } from "./backoff.ts";
import type { Clock, TimerHandle } from "./clock.ts";
import { LockgateError } from "./errors.ts";
import type { LockStore, StoreRecord } from "./lock-store.ts";

/** Retrying a watch that broke: from 50 ms, doubling, at most 30 s apart. */
const WATCH_RETRY = { base: 50, cap: 30_000 } as const;
/** A watch that stayed up this long was working, even if it never delivered a change. */
const HEALTHY_WATCH_MS = 30_000;

export interface KeyFeedOptions {
  readonly store: LockStore;
  readonly key: string;
  readonly clock: Clock;
  /** Poll period in ms for stores without watch (jittered ±20%). */
  readonly pollInterval: number;
  readonly random: () => number;
  readonly onError: (error: unknown) => void;
  /** Called once the feed has had no subscriber for `linger` ms and has stopped. */
  readonly onIdle: () => void;
  readonly linger: number;
}

/**
 * What one process knows of one key: a single store watch (or a single poller) shared by every
 * waiter in the process, so a thousand local waiters cost the store one watch, not a thousand
 * polls. Local writes are published here too, so local waiters wake without a round trip.
 */
export class KeyFeed {
  #latest: StoreRecord | undefined;
  readonly #options: KeyFeedOptions;
  readonly #listeners = new Set<FeedListener>();
  #refs = 0;
  #running: AbortController | undefined;
  #lingerTimer: TimerHandle | undefined;

  constructor(options: KeyFeedOptions) {
    this.#options = options;
  }

  get latest(): StoreRecord | undefined {
    return this.#latest;
  }

  /** Keeps the feed running until the returned function is called. */
  retain(): () => void {
    this.#refs++;
    if (this.#lingerTimer !== undefined) {
      this.#options.clock.clearTimeout(this.#lingerTimer);
      this.#lingerTimer = undefined;
    }
    if (!this.#running) this.#start();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#refs === 0) {
        // Linger: a waiter's next step comes right after this one; keep the watch for it.
        this.#lingerTimer = this.#options.clock.setTimeout(
          () => this.stop(),
          this.#options.linger,
          {
            background: true,
          },
        );
      }
    };
  }

  /** Records what someone in this process read or wrote, waking local waiters if it is new. */
  publish(record: StoreRecord): void {
    if (this.#latest !== undefined && this.#latest.version === record.version) return;
    this.#latest = record;
    for (const listener of [...this.#listeners]) listener.changed();
  }

  /**
   * Resolves when the key's version is no longer `knownVersion`, or at monotonic time
   * `until`; rejects when `signal` aborts.
   */
  waitForChange(
    knownVersion: string | null,
    until: number | undefined,
    signal?: AbortSignal,
  ): Promise<void> {
    const { clock } = this.#options;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal, "Waiting for the lock"));
      if (this.#latest !== undefined && this.#latest.version !== knownVersion) return resolve();
      let timer: TimerHandle | undefined;
      const cleanup = () => {
        this.#listeners.delete(listener);
        if (timer !== undefined) clock.clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const onChange = () => {
        if (this.#latest?.version === knownVersion) return;
        cleanup();
        resolve();
      };
      const onAbort = () => {
        cleanup();
        reject(abortError(signal as AbortSignal, "Waiting for the lock"));
      };
      const listener = { changed: onChange };
      this.#listeners.add(listener);
      signal?.addEventListener("abort", onAbort, { once: true });
      if (until !== undefined) {
        timer = clock.setTimeout(() => {
          cleanup();
          resolve();
        }, until - clock.now());
      }
    });
  }

  /**
   * A waiter for many changes in a row (one acquire step): its abort listener and wake-up
   * timer are set once, not per change, since every waiter of a lock waits again after each
   * change. Call `close()` when the step ends.
   */
  waiter(signal?: AbortSignal): FeedWaiter {
    return new FeedWaiter(this, this.#listeners, this.#options.clock, signal);
  }

  stop(): void {
    if (this.#lingerTimer !== undefined) this.#options.clock.clearTimeout(this.#lingerTimer);
    this.#lingerTimer = undefined;
    this.#running?.abort();
    this.#running = undefined;
    this.#latest = undefined;
    this.#options.onIdle();
  }

  #start(): void {
    const controller = new AbortController();
    this.#running = controller;
    const loop = this.#options.store.watch
      ? this.#watchLoop(controller.signal)
      : this.#pollLoop(controller.signal);
    // Both loops catch their own errors; this only guards against a bug becoming unhandled.
    loop.catch((error: unknown) => this.#options.onError(error));
  }

  async #watchLoop(signal: AbortSignal): Promise<void> {
    const { store, key, clock, random } = this.#options;
    let failures = 0;
    while (!signal.aborted) {
      const opened = clock.now();
      let items = 0;
      // A watch's first item is only the state as it opened; a watch that delivers a change or
      // stays up a while is healthy. Counting the first item as health reset the backoff on
      // every attempt, and a forbidden watch was retried (and reported) ~16 times a second.
      const healthy = () => items > 1 || clock.now() - opened >= HEALTHY_WATCH_MS;
      try {
        for await (const record of (store.watch as NonNullable<LockStore["watch"]>).call(
          store,
          key,
          signal,
        )) {
          items++;
          if (healthy()) failures = 0;
          this.publish(record);
        }
      } catch (error) {
        if (signal.aborted) return;
        this.#options.onError(error);
      }
      if (signal.aborted) return;
      if (healthy()) failures = 0;
      // The watch ended or broke: poll until it is tried again (jittered, growing, capped), so
      // waiters still see changes within a poll interval while it is down.
      failures++;
      await this.#pollFor(backoffDelay(failures, { ...WATCH_RETRY, random }), signal);
    }
  }

  /** Polls every poll interval (at once first) for `ms`, or until `signal` aborts. */
  async #pollFor(ms: number, signal: AbortSignal): Promise<void> {
    const { clock, pollInterval, random } = this.#options;
    const until = clock.now() + ms;
    await this.#pollOnce(signal);
    for (;;) {
      const left = until - clock.now();
      if (signal.aborted || left <= 0) return;
      const pause = jitter(pollInterval, 0.2, random);
      try {
        await delay(clock, Math.min(pause, left), signal);
      } catch {
        return;
      }
      if (pause < left) await this.#pollOnce(signal);
    }
  }

  async #pollLoop(signal: AbortSignal): Promise<void> {
    const { clock, pollInterval, random } = this.#options;
    while (!signal.aborted) {
      try {
        await delay(clock, jitter(pollInterval, 0.2, random), signal);
      } catch {
        return;
      }
      await this.#pollOnce(signal);
    }
  }

  async #pollOnce(signal: AbortSignal): Promise<void> {
    try {
      const record = await this.#options.store.get(this.#options.key);
      if (!signal.aborted) this.publish(record);
    } catch (error) {
      if (!signal.aborted) this.#options.onError(error);
    }
  }
}

/** What a feed tells of each new record. */
interface FeedListener {
  changed(): void;
}

/**
 * See `KeyFeed.waiter`. One wait at a time. It is its own feed listener and abort listener
 * (`handleEvent`): a lock server parks thousands of these, and closures per waiter added up.
 */
export class FeedWaiter implements FeedListener, EventListenerObject {
  readonly #feed: KeyFeed;
  readonly #listeners: Set<FeedListener>;
  readonly #clock: Clock;
  readonly #signal: AbortSignal | undefined;
  #known: string | null = null;
  #settle: ((error?: unknown) => void) | undefined;
  #timer: TimerHandle | undefined;
  /** When the armed timer fires; a wait until later keeps it (an early wake-up only re-checks). */
  #timerAt = Number.POSITIVE_INFINITY;
  #onTimer: (() => void) | undefined;

  /** @internal */
  constructor(
    feed: KeyFeed,
    listeners: Set<FeedListener>,
    clock: Clock,
    signal: AbortSignal | undefined,
  ) {
    this.#feed = feed;
    this.#listeners = listeners;
    this.#clock = clock;
    this.#signal = signal;
    listeners.add(this);
    signal?.addEventListener("abort", this, { once: true });
  }

  /** @internal The feed has a new record. */
  changed(): void {
    if (this.#settle && this.#feed.latest?.version !== this.#known) this.#wake();
  }

  /** @internal The signal aborted. */
  handleEvent(): void {
    this.#wake(abortError(this.#signal as AbortSignal, "Waiting for the lock"));
  }

  /**
   * Resolves when the key's version is no longer `knownVersion`, or at monotonic time `until`
   * (possibly earlier: then the caller finds nothing new and waits again); rejects when the
   * signal aborts.
   */
  wait(knownVersion: string | null, until: number): Promise<void> {
    const signal = this.#signal;
    if (signal?.aborted) return Promise.reject(abortError(signal, "Waiting for the lock"));
    const latest = this.#feed.latest;
    if (latest !== undefined && latest.version !== knownVersion) return Promise.resolve();
    const now = this.#clock.now();
    if (until <= now) return Promise.resolve();
    if (until < this.#timerAt) {
      if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
      this.#timerAt = until;
      this.#onTimer ??= () => {
        this.#timer = undefined;
        this.#timerAt = Number.POSITIVE_INFINITY;
        this.#wake();
      };
      this.#timer = this.#clock.setTimeout(this.#onTimer, until - now);
    }
    this.#known = knownVersion;
    return new Promise((resolve, reject) => {
      this.#settle = (error) => (error === undefined ? resolve() : reject(error));
    });
  }

  close(): void {
    this.#listeners.delete(this);
    this.#signal?.removeEventListener("abort", this);
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#settle) this.#wake(new LockgateError("aborted", "The wait ended"));
  }

  #wake(error?: unknown): void {
    const settle = this.#settle;
    this.#settle = undefined;
    settle?.(error);
  }
}
