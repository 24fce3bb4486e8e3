import { delay } from "./abortable-delay.ts";
import type { AcquireRequest, Lease } from "./acquire-request.ts";
import { backoffDelay } from "./backoff.ts";
import { askedNow, type Clock, systemClock, type TimerHandle } from "./clock.ts";
import { closedError, isLockgateError, LockgateError } from "./errors.ts";
import {
  handOver,
  planAcquire,
  planRemove,
  planRenew,
  planSetValue,
  pruneExpired,
  queuePositionOf,
} from "./grant-rules.ts";
import { jsonRecordCodec } from "./json-record-codec.ts";
import type { JsonValue } from "./json-value.ts";
import { KeyFeed } from "./key-feed.ts";
import type { AcquireOutcome, AcquireStepOptions, LeaseBackend } from "./lease-backend.ts";
import { type LeaseObserver, sharedObserver } from "./lease-observer.ts";
import { type LockInfo, lockInfoFromRecord } from "./lock-info.ts";
import { emptyRecord, type LockRecord, type RecordCodec } from "./lock-record.ts";
import type { LockStore, StoreRecord } from "./lock-store.ts";
import { setNewest } from "./newest-entries.ts";
import { StructuredRecord } from "./structured-record.ts";

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
  /**
   * Where the answer came from: the store itself, just now; the feed (what its watch or poll
   * last said, current as far as this process knows); or memory (this backend's last read or
   * write, or a name assumed absent): good as the expected version of a write, which the store
   * checks, but not for a decision that writes nothing.
   */
  readonly source: "store" | "feed" | "memory";
}

/** Backoff after repeated CAS conflicts: the first conflict retries at once on fresh data. */
const CONFLICT_BACKOFF = { base: 2, cap: 25 } as const;
/** Keys whose last known record is kept (to write without reading first); the oldest go first. */
const KNOWN_KEYS = 1_024;
/** Store answers whose decoded record is kept (see #decoded); the oldest go first. */
const DECODED_ANSWERS = 1_024;
/** How long a holder granted alone holds before it follows its lock (see #followLater). */
const FOLLOW_HELD_AFTER_MS = 20;
/**
 * Quiet holders (granted alone) that follow their lock at once, the newest kept. A watch per
 * held lock cost a lock server ~5 KiB per lock (100,000 held: ~500 MiB); past this many, the
 * oldest quiet holder stops following, and its release pays a lost write and a read only if
 * another process queued meanwhile (this backend's own writes are remembered without a watch).
 */
const QUIET_FOLLOWERS = 256;
/**
 * A step that starts within ttl/50 of its own queue write skips the heartbeat: the Locker's
 * steps come every renewInterval, so the place is still written at least that often plus this.
 */
const QUEUED_LATELY_FRACTION = 50;
/** The answer assumed for a key never seen: the first acquire of a name is a create-if-absent. */
const NEVER_SEEN: StoreRecord = Object.freeze({ value: null, version: null });

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
  /** The store's `putRecord`, when it keeps record objects and our codec is the JSON they stand for. */
  readonly #putRecord: LockStore["putRecord"];
  readonly #observer: LeaseObserver;
  readonly #feeds = new Map<string, KeyFeed>();
  /**
   * Records decoded from a store answer (by its object), observed once: the waiters of a lock
   * that one change wakes all read the same answer, and decoding and observing it again for
   * each would cost O(waiters) apiece. Observing it again would change nothing: the marks are
   * the ones already seen. Only recent answers (a store's shared "absent" answer is told apart
   * by key): a store that keeps its answers (memory) would otherwise keep a decoded copy of
   * every record beside it.
   */
  readonly #decoded = new Map<StoreRecord, { key: string; record: LockRecord }>();
  /**
   * The last record this backend read or wrote per key, for keys no feed follows: a write then
   * expects that version without reading first (a conflict means it was stale, and the retry
   * reads), so an uncontended acquire, renewal or release is one store call.
   */
  readonly #known = new Map<string, StoreRecord>();
  /**
   * For each waiting request: the monotonic send time of each queue write of ours, by the beat
   * and renewal stamp it wrote. A release that hands us the lock keeps them in our holder entry,
   * so we know from when others count our lease without writing anything.
   */
  readonly #queueWrites = new Map<string, Map<string, number>>();
  /**
   * Held leases of contended locks whose feed this backend keeps open (stores with watch only):
   * the holder's renewals and its release, which is also the handoff, then write on the current
   * version instead of losing a compare-and-swap to every waiter that joined meanwhile. Only
   * contended ones (waiters at the grant, or a renewal that lost a race): a lock server holding
   * 100,000 quiet locks must not keep 100,000 watches.
   */
  readonly #following = new Map<string, () => void>();
  /** Holders granted alone, until they start following (see #followLater), oldest first. */
  readonly #quietSince = new Map<string, { readonly lease: Lease; readonly at: number }>();
  /** One timer for all of #quietSince, due when its oldest has held FOLLOW_HELD_AFTER_MS. */
  #followSweep: TimerHandle | undefined;
  /** Holders granted alone that follow, oldest first (at most QUIET_FOLLOWERS). */
  readonly #quietFollowers = new Set<string>();
  /** Waiting requests that have had a place in a written queue (to tell a join from a rejoin). */
  readonly #placed = new Set<string>();
  /** What the store said it held when our last write to a key lost: read once, then dropped. */
  readonly #lostTo = new Map<string, StoreRecord>();
  /** Requests granted on a record that had waiters: their holders follow the lock. */
  readonly #contended = new Set<string>();
  #closed = false;

  constructor(store: LockStore, options: StoreLeaseBackendOptions = {}) {
    this.store = store;
    this.#clock = options.clock ?? systemClock;
    this.#observer = sharedObserver(store, this.#clock);
    this.#codec = options.codec ?? jsonRecordCodec;
    this.#pollInterval = options.pollInterval ?? 500;
    this.#random = options.random ?? Math.random;
    this.#onError = options.onError ?? (() => {});
    this.#closeStore = options.closeStore ?? false;
    this.#putRecord = this.#codec === jsonRecordCodec ? store.putRecord?.bind(store) : undefined;
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
    const outcome = await this.#step(request, until, options.waitMs, signal);
    if (outcome.status !== "waiting") {
      this.#queueWrites.delete(request.id);
      this.#placed.delete(request.id);
    }
    if (outcome.status === "granted") {
      if (this.#contended.delete(request.id)) this.#follow(outcome.lease);
      else this.#followLater(outcome.lease);
    }
    return outcome;
  }

  /**
   * A holder granted alone follows its lock once it has held it a little while: a waiter
   * that joins meanwhile changes the record, and a holder that did not see that would release
   * with a lost write, a read and a retry (3 round trips instead of 1). Short holds (most
   * uncontended acquire+release cycles) end before the timer and never pay for a watch.
   */
  #followLater(lease: Lease): void {
    if (!this.store.watch || this.#following.has(lease.id)) return;
    this.#quietSince.set(lease.id, { lease, at: this.#clock.now() });
    this.#armFollowSweep();
  }

  /** A timer per grant was a tenth of an uncontended cycle: one timer serves them all. */
  #armFollowSweep(): void {
    if (this.#followSweep !== undefined || this.#closed) return;
    const oldest = this.#quietSince.values().next();
    if (oldest.done) return;
    this.#followSweep = this.#clock.setTimeout(
      () => {
        this.#followSweep = undefined;
        this.#sweepQuiet();
      },
      oldest.value.at + FOLLOW_HELD_AFTER_MS - this.#clock.now(),
      { background: true },
    );
  }

  #sweepQuiet(): void {
    if (this.#closed) return;
    const now = this.#clock.now();
    for (const [id, { lease, at }] of this.#quietSince) {
      if (now - at < FOLLOW_HELD_AFTER_MS) break;
      this.#quietSince.delete(id);
      if (this.#following.has(id)) continue;
      if (this.#quietFollowers.size >= QUIET_FOLLOWERS) {
        this.#unfollow(this.#quietFollowers.values().next().value as string);
      }
      this.#follow(lease);
      this.#quietFollowers.add(id);
    }
    this.#armFollowSweep();
  }

  #follow(lease: Lease): void {
    // A renewal that lost a race follows for good: the lock is contended after all.
    this.#quietFollowers.delete(lease.id);
    if (!this.store.watch || this.#following.has(lease.id)) return;
    this.#following.set(lease.id, this.#feed(lease.name).retain());
  }

  #unfollow(id: string): void {
    this.#quietSince.delete(id);
    this.#quietFollowers.delete(id);
    this.#following.get(id)?.();
    this.#following.delete(id);
  }

  async #step(
    request: AcquireRequest,
    until: number,
    waitMs: number,
    signal: AbortSignal | undefined,
  ): Promise<AcquireOutcome> {
    const first = await this.#attempt(request, true, signal);
    if (first.outcome.status !== "waiting" || waitMs <= 0) return first.outcome;

    const feed = this.#feed(request.name);
    const release = feed.retain();
    const waiter = feed.waiter(signal);
    try {
      let step = first;
      for (;;) {
        const now = this.#clock.now();
        if (now >= until) return step.outcome;
        const expiry = step.nextExpiry;
        await waiter.wait(step.version, expiry === undefined ? until : Math.min(until, expiry));
        step = await this.#attempt(request, false, signal);
        if (step.outcome.status !== "waiting") return step.outcome;
        // Our place is gone mid-step: end the step; the next one joins again if still wanted.
        if (step.outcome.position === -1) return step.outcome;
      }
    } finally {
      waiter.close();
      release();
    }
  }

  async renew(lease: Lease, signal?: AbortSignal): Promise<void> {
    this.#assertOpen();
    await this.#update(
      lease.name,
      signal,
      () => this.#follow(lease),
      (record) => {
        const next = planRenew(record, lease.id, this.#clock.wallNow());
        if (!next) {
          this.#unfollow(lease.id);
          throw new LockgateError(
            "not-held",
            `Lease ${lease.id} on lock ${JSON.stringify(lease.name)} is no longer in the record ` +
              "(it expired and was taken over, or was released)",
          );
        }
        return next;
      },
    );
  }

  async setValue(lease: Lease, value: JsonValue | undefined): Promise<void> {
    this.#assertOpen();
    await this.#update(lease.name, undefined, undefined, (record) => {
      const next = planSetValue(record, lease.id, value, this.#clock.wallNow());
      if (!next) {
        throw new LockgateError(
          "not-held",
          `Lease ${lease.id} on lock ${JSON.stringify(lease.name)} is no longer in the record`,
        );
      }
      return next;
    });
  }

  async release(lease: Lease): Promise<void> {
    this.#assertOpen();
    try {
      await this.#update(lease.name, undefined, undefined, (record) =>
        planRemove(record, lease.id, this.#clock.wallNow()),
      );
    } finally {
      this.#unfollow(lease.id);
    }
  }

  async abandon(request: AcquireRequest): Promise<void> {
    this.#assertOpen();
    this.#queueWrites.delete(request.id);
    this.#placed.delete(request.id);
    this.#contended.delete(request.id);
    try {
      await this.#update(request.name, undefined, undefined, (record) =>
        planRemove(record, request.id, this.#clock.wallNow()),
      );
    } finally {
      this.#unfollow(request.id);
    }
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
    if (this.#followSweep !== undefined) this.#clock.clearTimeout(this.#followSweep);
    this.#followSweep = undefined;
    this.#quietSince.clear();
    this.#following.clear();
    this.#quietFollowers.clear();
    for (const feed of [...this.#feeds.values()]) feed.stop();
    if (this.#closeStore) await this.store.close?.();
  }

  /** One acquire step: read, prune what this observer saw expire, then grant, queue or refuse. */
  async #attempt(
    request: AcquireRequest,
    heartbeat: boolean,
    signal: AbortSignal | undefined,
  ): Promise<AttemptResult> {
    const key = request.name;
    let stale: string | null | undefined;
    for (let conflicts = 0; ; ) {
      throwIfAborted(signal);
      const current = await this.#read(key, stale, true);
      const record = this.#pruned(key, current.record);
      const pruned = record !== current.record;
      const wallNow = this.#clock.wallNow();
      const joining = queuePositionOf(record, request.id) === -1;
      // A place once held and lost (it expired) is lost: joining again is arriving now.
      const asking =
        joining && this.#placed.has(request.id) && request.askedAt !== undefined
          ? { ...request, askedAt: askedNow(this.#clock) }
          : request;
      // The Locker's first step joins without waiting and the next one begins at once: a place
      // written just now needs no beat (it was one more write per handoff, racing the others).
      const beatsNow = heartbeat && (joining || !this.#queuedLately(request));
      const plan = planAcquire(record, asking, wallNow, { pruned, heartbeat: beatsNow });
      const writes = plan.kind === "grant" || (plan.kind === "wait" && plan.record !== null);
      // Nothing to write on what we only remembered, or a one-shot "busy" on less than the
      // store's own answer: look at the store first. A place we wrote just now may wait on
      // memory: the feed the step then waits on compares versions and wakes at any change.
      if (
        (!writes && current.source === "memory" && beatsNow === heartbeat) ||
        ((plan.kind === "busy" || plan.kind === "limit-mismatch") && current.source !== "store")
      ) {
        stale = current.version;
        continue;
      }
      try {
        switch (plan.kind) {
          case "busy":
            return { outcome: { status: "busy" }, version: current.version };
          case "limit-mismatch":
            throw limitMismatch(request, plan.limit);
          case "held": {
            const lease = leaseOf(request, plan.holder.token);
            // Handed over by someone else's write: our lease counts from the queue write of
            // ours that the grant kept, which everyone saw no earlier than we sent it.
            const queued = this.#queueWrites
              .get(request.id)
              ?.get(stamp(plan.holder.beat, plan.holder.renewedAt));
            if (record.queue.length > 0) this.#contended.add(request.id);
            // Only a recent one: a handoff noticed late (the watch was down, say) would hand
            // the caller a lease already near or past its deadline, which others may count as
            // expired; then renew below, which also checks with the store that we still hold it.
            if (queued !== undefined && this.#clock.now() - queued < request.ttl / 3) {
              return {
                outcome: { status: "granted", lease, sentAt: queued },
                version: current.version,
              };
            }
            // A grant we cannot date: renew it, so its start is known to us.
            const sentAt = this.#clock.now();
            const next = planRenew(record, request.id, wallNow) as LockRecord;
            const version = await this.#write(key, next, current.version);
            return { outcome: { status: "granted", lease, sentAt }, version };
          }
          case "grant": {
            const sentAt = this.#clock.now();
            const version = await this.#write(key, plan.record, current.version);
            if (plan.record.queue.length > 0) this.#contended.add(request.id);
            const lease = leaseOf(request, plan.holder.token);
            return { outcome: { status: "granted", lease, sentAt }, version };
          }
          case "wait": {
            const written = plan.record ?? record;
            let version = current.version;
            if (plan.record) {
              this.#noteQueueWrite(request.id, plan.record);
              version = await this.#write(key, plan.record, current.version);
              if (plan.position !== -1) this.#placed.add(request.id);
            }
            const nextExpiry = this.#nextExpiry(key, written);
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
        // A join retries at once on fresh data, however often it lost: backing off behind
        // heartbeats and grants let later arrivals join ahead of it.
        if (conflicts++ > 0 && !joining) await this.#backoff(conflicts - 1, signal);
      }
    }
  }

  /**
   * The record without the entries this observer saw expire (the same object if none). Before
   * the record's earliest expiry nothing can have expired, so nothing is walked: every local
   * waiter looks at each change, and this keeps that look O(1).
   */
  #pruned(key: string, record: LockRecord): LockRecord {
    const now = this.#clock.now();
    const earliest = this.#nextExpiry(key, record);
    if (earliest === undefined || now < earliest) return record;
    return pruneExpired(record, (role, e) => this.#observer.isExpired(key, role, e, now)).record;
  }

  /** When the first entry of `record` expires by this observer, computed once per record. */
  #nextExpiry(key: string, record: LockRecord): number | undefined {
    return this.#observer.expiryOf(key, record, this.#clock.now());
  }

  /** Whether a queue write of this request was sent within the last 1/50 of its ttl. */
  #queuedLately(request: AcquireRequest): boolean {
    const writes = this.#queueWrites.get(request.id);
    if (!writes) return false;
    let last = Number.NEGATIVE_INFINITY;
    for (const at of writes.values()) if (at > last) last = at;
    return this.#clock.now() - last < request.ttl / QUEUED_LATELY_FRACTION;
  }

  /** Remembers when the queue entry of `id` in `record` was sent, by its beat and stamp. */
  #noteQueueWrite(id: string, record: LockRecord): void {
    const entry = record.queue.find((q) => q.id === id);
    if (!entry) return;
    let writes = this.#queueWrites.get(id);
    if (!writes) {
      writes = new Map();
      this.#queueWrites.set(id, writes);
    }
    // The earliest send of a stamp: counting from it is never later than anyone else counts.
    const key = stamp(entry.beat, entry.renewedAt);
    if (!writes.has(key)) writes.set(key, this.#clock.now());
  }

  /**
   * Read-modify-write with CAS; `change` returns null when there is nothing to write. Expired
   * entries are pruned first, so a release never hands the lock to a waiter whose place lapsed.
   */
  async #update(
    key: string,
    signal: AbortSignal | undefined,
    onConflict: (() => void) | undefined,
    change: (record: LockRecord) => LockRecord | null,
  ): Promise<void> {
    let stale: string | null | undefined;
    for (let conflicts = 0; ; ) {
      throwIfAborted(signal);
      const current = await this.#read(key, stale);
      const changed = change(this.#pruned(key, current.record));
      if (!changed) {
        // Nothing to do, says a feed or memory that may lag (a watch can deliver a state older
        // than our own last write): only the store's own answer may settle that.
        if (current.source === "store") return;
        stale = current.version;
        continue;
      }
      try {
        await this.#write(key, handOver(changed, this.#clock.wallNow()), current.version);
        return;
      } catch (error) {
        if (!isLockgateError(error, "conflict")) throw error;
        onConflict?.();
        stale = current.version;
        if (conflicts++ > 0) await this.#backoff(conflicts - 1, signal);
      }
    }
  }

  /**
   * The key's record: what the watch last delivered, or else what this backend last read or
   * wrote, unless it is the version a write just lost against (`stale`); then a fresh read.
   * After a conflict the watch usually already holds the write that won, so a slow client
   * retries without another round trip; otherwise it could lose every race to faster writers.
   * `assumeAbsent`: a key never seen is taken to be absent, so that its first write is a
   * create-if-absent with no read (a conflict says otherwise, and the retry reads).
   */
  async #read(key: string, stale?: string | null, assumeAbsent = false): Promise<ReadResult> {
    const feed = this.#feeds.get(key);
    let stored: StoreRecord | undefined = feed?.latest;
    let source: ReadResult["source"] = "feed";
    // A write that just lost was told what won: newer than a feed still at the lost version.
    const lostTo = this.#lostTo.get(key);
    this.#lostTo.delete(key);
    if (lostTo && stale !== undefined && stale !== lostTo.version && stored?.version === stale) {
      stored = lostTo;
      source = "memory";
    }
    if (!stored) {
      stored = this.#known.get(key);
      source = "memory";
    }
    if (stored && stale !== undefined && stored.version === stale) stored = undefined;
    if (!stored && assumeAbsent && stale === undefined) stored = NEVER_SEEN;
    if (!stored) {
      stored = await this.store.get(key);
      source = "store";
      this.#remember(key, stored);
      feed?.publish(stored);
    }
    // A record kept as an object by the store (or by our write to it): nothing to decode.
    const object = stored.record;
    if (object !== undefined && object.name === key && stored.floor === undefined) {
      this.#observer.observe(key, object, this.#clock.now());
      return { record: object, version: stored.version, source };
    }
    let decoded = this.#decoded.get(stored);
    if (decoded?.key !== key) {
      let record: LockRecord;
      try {
        record = atFloor(
          stored.value === null
            ? (this.#codec.absent?.(key) ?? emptyRecord(key))
            : this.#codec.decode(stored.value, key),
          stored.floor,
        );
        if (record.name !== key) {
          throw new LockgateError(
            "corrupt-record",
            `The record at ${JSON.stringify(key)} names another lock (${JSON.stringify(record.name)}); ` +
              "nothing was granted from it.",
          );
        }
      } catch (error) {
        // Never remember what does not decode: once repaired, the next read must see it.
        this.#known.delete(key);
        // What the feed or memory held may lag a repair: only the store's own answer is final.
        if (source !== "store") return this.#read(key, stored.version, assumeAbsent);
        throw error;
      }
      this.#observer.observe(key, record, this.#clock.now());
      decoded = { key, record };
      if (stored !== NEVER_SEEN) setNewest(this.#decoded, stored, decoded, DECODED_ANSWERS);
    }
    return { record: decoded.record, version: stored.version, source };
  }

  /** A read that skips what is remembered: for callers who must see the store itself. */
  async #fresh(key: string): Promise<ReadResult> {
    const known = this.#feeds.get(key)?.latest ?? this.#known.get(key);
    return this.#read(key, known?.version ?? null);
  }

  async #write(key: string, record: LockRecord, expected: string | null): Promise<string | null> {
    const putRecord = this.#putRecord;
    const value = putRecord ? undefined : this.#codec.encode(record);
    let version: string | null;
    try {
      version =
        value === undefined
          ? await (putRecord as NonNullable<typeof putRecord>)(key, record, expected)
          : await this.store.put(key, value, expected);
    } catch (error) {
      // Whatever the store holds now, it is not what we remembered; a conflict that says what
      // it is saves the read.
      const current = isLockgateError(error, "conflict") ? error.current : undefined;
      if (current && current.version !== expected) {
        this.#remember(key, current);
        this.#lostTo.set(key, current);
      } else this.#known.delete(key);
      throw error;
    }
    this.#observer.observe(key, record, this.#clock.now());
    let stored: StoreRecord;
    if (version === null) stored = NEVER_SEEN;
    else if (value === undefined) stored = new StructuredRecord(record, version);
    else {
      stored = { value, version };
      // Our next step on this key reads what we wrote: keep the record, not only its text.
      if (this.#codec.lossless) setNewest(this.#decoded, stored, { key, record }, DECODED_ANSWERS);
    }
    this.#remember(key, stored);
    this.#feeds.get(key)?.publish(stored);
    return version;
  }

  #remember(key: string, stored: StoreRecord): void {
    setNewest(this.#known, key, stored, KNOWN_KEYS);
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

interface AttemptResult {
  readonly outcome: AcquireOutcome;
  readonly version: string | null;
  readonly nextExpiry?: number;
}

/** A queue entry's beat and renewal stamp: which of its writes a record shows. */
function stamp(beat: number, renewedAt: number): string {
  return `${beat}:${renewedAt}`;
}

/** The record with its fencing counter raised to the store's floor for the key, if below. */
function atFloor(record: LockRecord, floor: number | undefined): LockRecord {
  return floor !== undefined && floor > record.token ? { ...record, token: floor } : record;
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

function limitMismatch(request: AcquireRequest, agreed: number): LockgateError {
  const what = (limit: number) =>
    limit === 1 ? "a lock (limit 1)" : `a semaphore of limit ${limit}`;
  return new LockgateError(
    "invalid-argument",
    `${JSON.stringify(request.name)} is ${what(agreed)} for its current holders and waiters; ` +
      `this request asked for ${what(request.limit ?? 1)}. Every party of one name must pass the same limit`,
  );
}
