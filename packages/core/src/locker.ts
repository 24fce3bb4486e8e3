import { abortError, delay } from "./abortable-delay.ts";
import type { AcquireRequest, Lease } from "./acquire-request.ts";
import { backoffDelay } from "./backoff.ts";
import { askedNow, type Clock, systemClock } from "./clock.ts";
import { ClosableRun } from "./closable-run.ts";
import { Election } from "./election.ts";
import { closedError, formatMs, isLockgateError, LockgateError } from "./errors.ts";
import type { JsonValue } from "./json-value.ts";
import type { AcquireOutcome, LeaseBackend } from "./lease-backend.ts";
import { LeaseRenewer, type LeaseTimings } from "./lease-renewer.ts";
import { type LinkedSignal, linkSignals } from "./linked-signal.ts";
import { Lock } from "./lock-handle.ts";
import type { LockInfo } from "./lock-info.ts";
import { validateLease, validateLockName, validateTimings } from "./locker-options.ts";

export interface LockerOptions {
  /** Lease length in ms. Default 10 000, as Go lockgate. */
  leaseTtl?: number;
  /** Renew every this many ms. Default `leaseTtl / 3`. */
  renewInterval?: number;
  /** Give up belief in a lease this long after the last successful renewal was sent. Default `leaseTtl * 2 / 3`. */
  renewDeadline?: number;
  clock?: Clock;
  random?: () => number;
  /** Errors that were handled in the background: a renewal retried, a callback that threw. */
  onError?: (error: unknown) => void;
}

export interface AcquireOptions {
  /** Share the lock with other shared holders. Default false (exclusive). */
  shared?: boolean;
  /**
   * A counting semaphore: at most this many holders at once, in arrival order, each with its
   * own lease and fencing token. Every party of one name must pass the same limit (a mismatch
   * is refused with "invalid-argument"); a semaphore has no shared mode. Default 1: a lock.
   */
  limit?: number;
  /** Do not wait: resolve to null when the lock is busy. */
  nonBlocking?: boolean;
  /** Give up waiting after this many ms with a "timeout" error. 0 or absent: wait forever. */
  timeout?: number;
  signal?: AbortSignal;
  /** Who is acquiring, shown by inspect (Go lockgate's AcquirerId). */
  acquirerId?: string;
  /** A small JSON value describing the holder (who, where, why), shown by inspect. */
  value?: JsonValue;
  /** Lease length in ms for this lock; renewal timings scale with it. */
  leaseTtl?: number;
  /**
   * Hold the lock at most this many ms: then renewal stops and `lock.signal` aborts with code
   * "max-hold", and others get the lock once that lease runs out (at most one ttl later), even
   * if this holder hangs with its process alive. `release()` afterwards frees it at once.
   */
  maxHold?: number;
  /**
   * Called once if the lock is busy. Call `doWait()` to wait (it resolves once the lock is
   * held); returning without calling it gives up with a "busy" error.
   */
  onWait?: (name: string, doWait: () => Promise<void>) => Promise<void>;
  /** Called once, after `lock.signal` aborts, when the lease is lost. Errors go to `onError`. */
  onLostLease?: (lock: Lock) => void | Promise<void>;
  /**
   * When the lease is lost, remove our entry from the record at once (default true), so the
   * next waiter need not wait out the ttl. false: leave it until `lock.release()` (or its ttl),
   * for a holder that must first stop what it guarded: `lockgate run` kills its command first.
   */
  releaseWhenLost?: boolean;
}

export type NonBlockingAcquireOptions = AcquireOptions & { nonBlocking: true };

/**
 * The user API over any lease backend: waiting with timeout and abort, renewal in the
 * background, lost-lease detection, inspection. Every locker of lockgate is this class.
 */
export class Locker {
  readonly backend: LeaseBackend;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #timings: LeaseTimings;
  readonly #onError: (error: unknown) => void;
  readonly #held = new Set<Lock>();
  /** Acquires under way, each with what close() ends it by. */
  readonly #pending = new Map<ClosableRun, Promise<unknown>>();
  /** Queue places being removed after a failed or aborted acquire: close() waits for them. */
  readonly #abandoning = new Set<Promise<void>>();
  #closed = false;

  constructor(backend: LeaseBackend, options: LockerOptions = {}) {
    this.backend = backend;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#onError = options.onError ?? (() => {});
    const ttl = options.leaseTtl ?? 10_000;
    this.#timings = validateTimings({
      ttl,
      renewInterval: options.renewInterval ?? ttl / 3,
      renewDeadline: options.renewDeadline ?? (ttl * 2) / 3,
    });
  }

  /** Locks held through this locker and not yet released or lost. */
  get held(): ReadonlySet<Lock> {
    return this.#held;
  }

  acquire(name: string, options: NonBlockingAcquireOptions): Promise<Lock | null>;
  acquire(name: string, options?: AcquireOptions): Promise<Lock>;
  async acquire(name: string, options: AcquireOptions = {}): Promise<Lock | null> {
    if (this.#closed) throw closedError("This locker");
    validateLockName(name);
    const timings = this.#timingsFor(options.leaseTtl);
    const timeout = options.timeout ?? 0;
    if (!(Number.isFinite(timeout) && timeout >= 0)) {
      throw new LockgateError("invalid-argument", "timeout must be a non-negative number of ms");
    }
    if (
      options.maxHold !== undefined &&
      !(Number.isFinite(options.maxHold) && options.maxHold > 0)
    ) {
      throw new LockgateError("invalid-argument", "maxHold must be a positive number of ms");
    }
    const limit = options.limit ?? 1;
    if (!(Number.isSafeInteger(limit) && limit >= 1)) {
      throw new LockgateError(
        "invalid-argument",
        "limit must be a whole number of holders, 1 or more",
      );
    }
    if (limit > 1 && options.shared) {
      throw new LockgateError(
        "invalid-argument",
        "A semaphore (limit above 1) has no shared mode: pass shared or limit, not both",
      );
    }
    if (options.signal?.aborted)
      throw abortError(options.signal, `Acquiring ${JSON.stringify(name)}`);
    const closing = new ClosableRun();
    const run = this.#acquire(name, options, timings, timeout, closing);
    this.#pending.set(closing, run);
    try {
      return await run;
    } finally {
      this.#pending.delete(closing);
    }
  }

  async #acquire(
    name: string,
    options: AcquireOptions,
    timings: LeaseTimings,
    timeout: number,
    closing: ClosableRun,
  ): Promise<Lock | null> {
    const signal = new WaitSignal(options.signal, closing);
    // One literal, optional fields after: conditional spreads cost more than the rest of it.
    const request: { -readonly [K in keyof AcquireRequest]: AcquireRequest[K] } = {
      name,
      id: crypto.randomUUID(),
      shared: options.shared ?? false,
      ttl: timings.ttl,
      nonBlocking: options.nonBlocking ?? false,
      askedAt: askedNow(this.#clock),
    };
    if (options.acquirerId !== undefined) request.acquirerId = options.acquirerId;
    if (options.value !== undefined) request.value = options.value;
    if (options.limit !== undefined && options.limit !== 1) request.limit = options.limit;
    const deadline = timeout > 0 ? this.#clock.now() + timeout : Number.POSITIVE_INFINITY;

    try {
      // A step that does not wait gets only the caller's signal; close() waits for it.
      const first = await this.#step(request, 0, deadline, timings.renewInterval, signal, true);
      if (first.status === "busy") return null;
      if (first.status === "granted") {
        const confirmed = await this.#confirm(first, timings, signal);
        if (confirmed) return this.#hold(confirmed, timings, options);
        if (request.nonBlocking) return null;
      }
      if (closing.closed) throw closing.reason;

      let granted: Extract<AcquireOutcome, { status: "granted" }> | undefined;
      const doWait = async () => {
        while (!granted) {
          const remaining = deadline - this.#clock.now();
          if (remaining <= 0) {
            throw new LockgateError(
              "timeout",
              `Timed out after ${formatMs(timeout)} waiting for the lock ${JSON.stringify(name)}`,
            );
          }
          // Each step renews our place in the queue, so no step outlasts the renewal interval.
          const step = await this.#step(
            request,
            Math.min(remaining, timings.renewInterval),
            deadline,
            timings.renewInterval,
            signal,
          );
          if (step.status === "granted") granted = await this.#confirm(step, timings, signal);
          // undefined: taken over before we could confirm it; wait on as if never granted.
        }
      };
      if (options.onWait) {
        await options.onWait(name, doWait);
        if (!granted) {
          throw new LockgateError(
            "busy",
            `The lock ${JSON.stringify(name)} is busy and onWait did not wait`,
          );
        }
      } else {
        await doWait();
      }
      return this.#hold(
        granted as Extract<AcquireOutcome, { status: "granted" }>,
        timings,
        options,
      );
    } catch (error) {
      // Leave no queue place or orphan grant behind; the lease would expire anyway, but later.
      const abandoned = this.backend.abandon(request).catch((abandonError: unknown) => {
        if (!closing.closed) this.#onError(abandonError);
      });
      this.#abandoning.add(abandoned);
      void abandoned.finally(() => this.#abandoning.delete(abandoned));
      // Closed meanwhile: close() waits for this, so the queue place goes before the backend.
      if (closing.closed) {
        await abandoned;
        throw closing.reason;
      }
      throw error;
    } finally {
      signal.unlink();
    }
  }

  /**
   * Takes over a lease acquired elsewhere (`lock.detach()` in this or another process, with
   * a locker on the same store) and renews it from now on. Renews once before resolving, so
   * a lease that already ended rejects with "not-held" instead of pretending to hold.
   */
  async adopt(
    lease: Lease,
    options: Pick<AcquireOptions, "onLostLease" | "releaseWhenLost"> = {},
  ): Promise<Lock> {
    if (this.#closed) throw closedError("This locker");
    validateLease(lease);
    const timings = this.#timingsFor(lease.ttl);
    const sentAt = this.#clock.now();
    await this.backend.renew(lease);
    return this.#hold({ status: "granted", lease, sentAt }, timings, options);
  }

  /** Leader election on `name`: campaign, see the leader, observe changes (see Election). */
  election(name: string): Election {
    return new Election(this, name);
  }

  /** Holders (with their values and expiry) and waiters of one lock. */
  async inspect(name: string): Promise<LockInfo> {
    validateLockName(name);
    return this.backend.inspect(name);
  }

  /** Locks with holders or waiters whose name starts with `prefix`. */
  list(prefix = ""): Promise<LockInfo[]> {
    return this.backend.list(prefix);
  }

  /** The lock's state now and after every change, until `signal` aborts. */
  watch(name: string, options: { signal: AbortSignal }): AsyncIterable<LockInfo> {
    validateLockName(name);
    return this.backend.watch(name, options.signal);
  }

  /**
   * Ends acquires still waiting (they reject with the closed error and leave the queue),
   * releases every held lock, then closes the backend.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const reason = closedError("This locker");
    for (const closing of this.#pending.keys()) closing.close(reason);
    await Promise.allSettled(this.#pending.values());
    await Promise.allSettled([...this.#held].map((lock) => lock.release()));
    await Promise.allSettled([...this.#abandoning]);
    await this.backend.close();
  }

  /**
   * One backend step, retrying store failures with backoff until the deadline. No pause is
   * longer than the renewal interval: a waiter retrying less often than it would heartbeat
   * lets its queue place lapse once the store is back, and joins again at the end.
   */
  async #step(
    request: AcquireRequest,
    waitMs: number,
    deadline: number,
    renewInterval: number,
    signal: WaitSignal,
    /** The backend's step gets only the caller's signal; a pause between retries gets both. */
    callersOnly = false,
  ): Promise<AcquireOutcome> {
    for (let failures = 0; ; failures++) {
      try {
        const stepSignal = callersOnly ? signal.callers : signal.linked();
        return await this.backend.acquire(
          request,
          stepSignal ? { waitMs, signal: stepSignal } : { waitMs },
        );
      } catch (error) {
        if (!isLockgateError(error, "store-unavailable") || !error.retryable) throw error;
        if (request.nonBlocking) throw error;
        const cap = Math.min(2_000, renewInterval);
        const pause = backoffDelay(failures, { base: 50, cap, random: this.#random });
        if (this.#clock.now() + pause >= deadline) throw error;
        this.#onError(error);
        await delay(
          this.#clock,
          pause,
          signal.linked(),
          `Acquiring ${JSON.stringify(request.name)}`,
        );
      }
    }
  }

  /**
   * A grant whose request was sent long ago (a long-poll that waited, a stalled event loop)
   * would leave little or no belief: the lease is counted from the send. Renew it once first,
   * so the holder starts with a full renew deadline instead of losing the lock at once.
   * Undefined when the grant was already taken over (it expired before it reached us).
   */
  async #confirm(
    outcome: Extract<AcquireOutcome, { status: "granted" }>,
    timings: LeaseTimings,
    signal: WaitSignal,
  ): Promise<Extract<AcquireOutcome, { status: "granted" }> | undefined> {
    if (this.#clock.now() - outcome.sentAt < timings.renewInterval) return outcome;
    const sentAt = this.#clock.now();
    try {
      await this.backend.renew(outcome.lease, signal.linked());
    } catch (error) {
      if (isLockgateError(error, "not-held")) return undefined;
      throw error;
    }
    return { ...outcome, sentAt };
  }

  #hold(
    outcome: Extract<AcquireOutcome, { status: "granted" }>,
    timings: LeaseTimings,
    options: AcquireOptions,
  ): Lock {
    const lock = new Lock({
      backend: this.backend,
      lease: outcome.lease,
      onError: this.#onError,
      onSettled: this.#settled,
      releaseAfterLoss: options.releaseWhenLost === false,
    });
    this.#held.add(lock);
    const renewer = new LeaseRenewer(
      {
        backend: this.backend,
        lease: outcome.lease,
        clock: this.#clock,
        timings,
        random: this.#random,
        onError: this.#onError,
        // Bound, not a closure: a named function per hold cost more than the rest of #hold.
        onLost: this.#lost.bind(this, lock, outcome.lease, options),
      },
      outcome.sentAt,
    );
    lock.attachRenewer(renewer);
    if (options.maxHold !== undefined) {
      const maxHold = options.maxHold;
      this.#clock.setTimeout(
        () => {
          if (lock.ended) return; // released or lost first
          renewer.stop();
          this.#held.delete(lock);
          lock.end(
            new LockgateError(
              "max-hold",
              `The lock ${JSON.stringify(outcome.lease.name)} was held for its maxHold of ${formatMs(maxHold)}: ` +
                "renewal stopped, and others get it when the lease runs out",
              { retryable: false },
            ),
          );
        },
        outcome.sentAt + maxHold - this.#clock.now(),
        { background: true },
      );
    }
    return lock;
  }

  readonly #settled = (lock: Lock): void => {
    this.#held.delete(lock);
  };

  #lost(lock: Lock, lease: Lease, options: AcquireOptions, error: LockgateError): void {
    this.#held.delete(lock);
    lock.end(error);
    // We no longer believe we hold it; remove our entry rather than let it expire.
    if (options.releaseWhenLost !== false) {
      this.backend.release(lease).catch(this.#onError);
    }
    if (options.onLostLease) {
      try {
        Promise.resolve(options.onLostLease(lock)).catch(this.#onError);
      } catch (callbackError) {
        this.#onError(callbackError);
      }
    }
  }

  #timingsFor(leaseTtl: number | undefined): LeaseTimings {
    if (leaseTtl === undefined) return this.#timings;
    const base = this.#timings;
    const scale = leaseTtl / base.ttl;
    return validateTimings({
      ttl: leaseTtl,
      renewInterval: base.renewInterval * scale,
      renewDeadline: base.renewDeadline * scale,
    });
  }
}

/**
 * An acquire's signals: the caller's alone, or linked with close(). Linked only once something
 * waits: the first step is one store write (close() waits for it), and most acquires end there.
 */
class WaitSignal {
  readonly callers: AbortSignal | undefined;
  readonly #closing: ClosableRun;
  #linked: LinkedSignal | undefined;

  constructor(callers: AbortSignal | undefined, closing: ClosableRun) {
    this.callers = callers;
    this.#closing = closing;
  }

  linked(): AbortSignal {
    this.#linked ??= linkSignals(this.callers, this.#closing.signal);
    return this.#linked.signal;
  }

  unlink(): void {
    this.#linked?.unlink();
  }
}
