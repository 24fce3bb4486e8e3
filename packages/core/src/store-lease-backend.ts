import { delay } from "./abortable-delay.ts";
import type { AcquireRequest, Lease } from "./acquire-request.ts";
import { backoffDelay } from "./backoff.ts";
import { type Clock, systemClock } from "./clock.ts";
import { closedError, isLockgateError, LockgateError } from "./errors.ts";
import { planAcquire, planRemove, planRenew, pruneExpired } from "./grant-rules.ts";
import { jsonRecordCodec } from "./json-record-codec.ts";
import { KeyFeed } from "./key-feed.ts";
import type { AcquireOutcome, AcquireStepOptions, LeaseBackend } from "./lease-backend.ts";
import { LeaseObserver } from "./lease-observer.ts";
import { type LockInfo, lockInfoFromRecord } from "./lock-info.ts";
import { emptyRecord, type LockRecord, type RecordCodec } from "./lock-record.ts";
import type { LockStore, StoreRecord } from "./lock-store.ts";

export interface StoreLeaseBackendOptions {
  clock?: Clock;
  /** How records are written to the store; the default is lockgate's JSON. */
  codec?: RecordCodec;
  /** Poll period in ms for stores without `watch`. Default 500. */
  pollInterval?: number;
  /** Source of randomness for jitter, in [0, 1). */
  random?: () => number;
  /** Background errors that were handled (a watch that broke and was reconnected, ...). */
  onError?: (error: unknown) => void;
  /** Close the store when the backend closes. Default false: the caller owns the store. */
  closeStore?: boolean;
}

interface ReadResult {
  readonly record: LockRecord;
  readonly version: string | null;
}

/** Backoff after repeated CAS conflicts: the first conflict retries at once on fresh data. */
const CONFLICT_BACKOFF = { base: 2, cap: 25 } as const;

/**
 * The lease algorithm over any LockStore: one record per lock name, written only by
 * compare-and-swap, holding every holder's lease, the FIFO queue and the fencing counter.
 */
export class StoreLeaseBackend implements LeaseBackend {
  readonly store: LockStore;
  readonly #clock: Clock;
  readonly #codec: RecordCodec;
  readonly #pollInterval: number;
  readonly #random: () => number;
  readonly #onError: (error: unknown) => void;
  readonly #closeStore: boolean;
  readonly #observer = new LeaseObserver();
  readonly #feeds = new Map<string, KeyFeed>();
  /**
   * Records decoded from a store answer (by its object), observed once: the waiters of a lock
   * that one change wakes all read the same answer, and decoding and observing it again for
   * each would cost O(waiters) apiece. Observing it again would change nothing: the marks are
   * the ones already seen. Entries go with the answers (a store's shared "absent" answer is
   * told apart by key).
   */
  readonly #decoded = new WeakMap<StoreRecord, { key: string; record: LockRecord }>();
  #closed = false;

  constructor(store: LockStore, options: StoreLeaseBackendOptions = {}) {
    this.store = store;
    this.#clock = options.clock ?? systemClock;
    this.#codec = options.codec ?? jsonRecordCodec;
    this.#pollInterval = options.pollInterval ?? 500;
    this.#random = options.random ?? Math.random;
    this.#onError = options.onError ?? (() => {});
    this.#closeStore = options.closeStore ?? false;
    if (!(this.#pollInterval > 0)) {
      throw new LockgateError("invalid-argument", "pollInterval must be a positive number of ms");
    }
  }

  async acquire(request: AcquireRequest, options: AcquireStepOptions): Promise<AcquireOutcome> {
    this.#assertOpen();
    const { signal } = options;
    // Counted from the start of the step, so that a slow heartbeat does not stretch the
    // interval between heartbeats beyond what the Locker asked for.
    const until = this.#clock.now() + options.waitMs;
    const first = await this.#attempt(request, true, signal);
    if (first.outcome.status !== "waiting" || options.waitMs <= 0) return first.outcome;

    const feed = this.#feed(request.name);
    const release = feed.retain();
    try {
      let step = first;
      for (;;) {
        const now = this.#clock.now();
        if (now >= until) return step.outcome;
        const expiry = step.nextExpiry;
        await feed.waitForChange(
          step.version,
          expiry === undefined ? until : Math.min(until, expiry),
          signal,
        );
        step = await this.#attempt(request, false, signal);
        if (step.outcome.status !== "waiting") return step.outcome;
        // Our place is gone mid-step: end the step; the next one joins again if still wanted.
        if (step.outcome.position === -1) return step.outcome;
      }
    } finally {
      release();
    }
  }

  async renew(lease: Lease, signal?: AbortSignal): Promise<void> {
    this.#assertOpen();
    await this.#update(lease.name, signal, (record) => {
      const next = planRenew(record, lease.id, this.#clock.wallNow());
      if (!next) {
        throw new LockgateError(
          "not-held",
          `Lease ${lease.id} on lock ${JSON.stringify(lease.name)} is no longer in the record ` +
            "(it expired and was taken over, or was released)",
        );
      }
      return next;
    });
  }

  async release(lease: Lease): Promise<void> {
    this.#assertOpen();
    await this.#update(lease.name, undefined, (record) => planRemove(record, lease.id));
  }

  async abandon(request: AcquireRequest): Promise<void> {
    this.#assertOpen();
    await this.#update(request.name, undefined, (record) => planRemove(record, request.id));
  }

  async inspect(name: string): Promise<LockInfo> {
    this.#assertOpen();
    return lockInfoFromRecord((await this.#fresh(name)).record);
  }

  async list(prefix: string): Promise<LockInfo[]> {
    this.#assertOpen();
    if (!this.store.list) {
      throw new LockgateError("invalid-argument", "This store does not support list()", {
        retryable: false,
      });
    }
    const keys = await this.store.list(prefix);
    const infos: LockInfo[] = [];
    for (const key of keys.sort()) {
      const { record } = await this.#fresh(key);
      if (record.holders.length > 0 || record.queue.length > 0)
        infos.push(lockInfoFromRecord(record));
    }
    return infos;
  }

  async *watch(name: string, signal: AbortSignal): AsyncIterable<LockInfo> {
    this.#assertOpen();
    const feed = this.#feed(name);
    const release = feed.retain();
    try {
      let current = await this.#fresh(name);
      for (;;) {
        yield lockInfoFromRecord(current.record);
        try {
          await feed.waitForChange(current.version, undefined, signal);
        } catch {
          return;
        }
        current = await this.#read(name);
      }
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const feed of [...this.#feeds.values()]) feed.stop();
    if (this.#closeStore) await this.store.close?.();
  }

  /** One acquire step: read, prune what this observer saw expire, then grant, queue or refuse. */
  async #attempt(
    request: AcquireRequest,
    heartbeat: boolean,
    signal: AbortSignal | undefined,
  ): Promise<{ outcome: AcquireOutcome; version: string | null; nextExpiry?: number }> {
    const key = request.name;
    let stale: string | null | undefined;
    for (let conflicts = 0; ; ) {
      throwIfAborted(signal);
      const current = await this.#read(key, stale);
      const now = this.#clock.now();
      const { record, changed } = pruneExpired(current.record, (role, e) =>
        this.#observer.isExpired(key, role, e, now),
      );
      const plan = planAcquire(record, request, this.#clock.wallNow(), {
        pruned: changed,
        heartbeat,
      });
      try {
        switch (plan.kind) {
          case "busy":
            return { outcome: { status: "busy" }, version: current.version };
          case "held": {
            // An earlier grant went through unseen; renew it so its start is known to us.
            const sentAt = this.#clock.now();
            const next = planRenew(record, request.id, this.#clock.wallNow()) as LockRecord;
            const version = await this.#write(key, next, current.version);
            const lease = leaseOf(request, plan.holder.token);
            return { outcome: { status: "granted", lease, sentAt }, version };
          }
          case "grant": {
            const sentAt = this.#clock.now();
            const version = await this.#write(key, plan.record, current.version);
            const lease = leaseOf(request, plan.holder.token);
            return { outcome: { status: "granted", lease, sentAt }, version };
          }
          case "wait": {
            const written = plan.record ?? record;
            const version = plan.record
              ? await this.#write(key, plan.record, current.version)
              : current.version;
            const nextExpiry = this.#observer.nextExpiry(key, written);
            return {
              outcome: { status: "waiting", position: plan.position },
              version,
              ...(nextExpiry === undefined ? {} : { nextExpiry }),
            };
          }
        }
      } catch (error) {
        if (!isLockgateError(error, "conflict")) throw error;
        stale = current.version;
        if (conflicts++ > 0) await this.#backoff(conflicts - 1, signal);
      }
    }
  }

  /** Read-modify-write with CAS; `change` returns null when there is nothing to write. */
  async #update(
    key: string,
    signal: AbortSignal | undefined,
    change: (record: LockRecord) => LockRecord | null,
  ): Promise<void> {
    let stale: string | null | undefined;
    for (let conflicts = 0; ; ) {
      throwIfAborted(signal);
      const current = await this.#read(key, stale);
      const next = change(current.record);
      if (!next) return;
      try {
        await this.#write(key, next, current.version);
        return;
      } catch (error) {
        if (!isLockgateError(error, "conflict")) throw error;
        stale = current.version;
        if (conflicts++ > 0) await this.#backoff(conflicts - 1, signal);
      }
    }
  }

  /**
   * The key's record: what the watch last delivered, unless it is the version a write just
   * lost against (`stale`), then a fresh read. After a conflict the watch usually already
   * holds the write that won, so a slow client retries without another round trip; otherwise
   * it could lose every race to faster writers.
   */
  async #read(key: string, stale?: string | null): Promise<ReadResult> {
    const feed = this.#feeds.get(key);
    let stored: StoreRecord | undefined = feed?.latest;
    if (stored && stale !== undefined && stored.version === stale) stored = undefined;
    if (!stored) {
      stored = await this.store.get(key);
      feed?.publish(stored);
    }
    let decoded = this.#decoded.get(stored);
    if (decoded?.key !== key) {
      const record =
        stored.value === null
          ? (this.#codec.absent?.(key) ?? emptyRecord(key))
          : this.#codec.decode(stored.value, key);
      if (record.name !== key) {
        throw new LockgateError(
          "corrupt-record",
          `The record at ${JSON.stringify(key)} names another lock (${JSON.stringify(record.name)}); ` +
            "nothing was granted from it.",
        );
      }
      this.#observer.observe(key, record, this.#clock.now());
      decoded = { key, record };
      this.#decoded.set(stored, decoded);
    }
    return { record: decoded.record, version: stored.version };
  }

  /** A read that skips what the watch delivered: for callers who must see the store itself. */
  #fresh(key: string): Promise<ReadResult> {
    return this.#read(key, this.#feeds.get(key)?.latest?.version ?? null);
  }

  async #write(key: string, record: LockRecord, expected: string | null): Promise<string | null> {
    const value = this.#codec.encode(record);
    const version = await this.store.put(key, value, expected);
    this.#observer.observe(key, record, this.#clock.now());
    this.#feeds.get(key)?.publish({ value, version });
    return version;
  }

  #backoff(attempt: number, signal: AbortSignal | undefined): Promise<void> {
    const ms = backoffDelay(attempt, { ...CONFLICT_BACKOFF, random: this.#random });
    return delay(this.#clock, ms, signal, "Retrying after a write conflict");
  }

  #feed(key: string): KeyFeed {
    let feed = this.#feeds.get(key);
    if (!feed) {
      const created = new KeyFeed({
        store: this.store,
        key,
        clock: this.#clock,
        pollInterval: this.#pollInterval,
        random: this.#random,
        onError: this.#onError,
        linger: 1_000,
        onIdle: () => {
          if (this.#feeds.get(key) === created) this.#feeds.delete(key);
        },
      });
      feed = created;
      this.#feeds.set(key, feed);
    }
    return feed;
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw closedError("This locker");
    }
  }
}

function leaseOf(request: AcquireRequest, token: number): Lease {
  return { name: request.name, id: request.id, shared: request.shared, token, ttl: request.ttl };
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    throw isLockgateError(reason)
      ? reason
      : new LockgateError("aborted", "Acquiring the lock was aborted", { cause: reason });
  }
}
