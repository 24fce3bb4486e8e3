import {
  type AcquireOutcome,
  type AcquireRequest,
  type AcquireStepOptions,
  isLockgateError,
  type Lease,
  type LeaseBackend,
} from "@lockgate/core";

interface Party {
  readonly name: string;
  expiresAt: number;
}

/**
 * One holder of a lock name. `expiresAt` is in whole ms of the monotonic clock: a small
 * integer V8 keeps in the object, where a fraction would cost a boxed number per holder.
 */
interface Holding {
  readonly id: string;
  expiresAt: number;
}

export interface ServedGauges {
  /** Lock names with at least one holder that took its lease through this instance. */
  readonly locksHeld: number;
  readonly holders: number;
  /** Queue places of clients of this instance: long-polls now, and places kept between polls. */
  readonly waiters: number;
}

/**
 * A LeaseBackend that keeps, as requests pass, who holds and who waits through this instance,
 * so a metrics scrape reads counters instead of every record in the store. A party that stops
 * renewing is forgotten one ttl after its last request, as the store forgets it.
 */
export class ServedParties implements LeaseBackend {
  readonly #inner: LeaseBackend;
  /**
   * Holders by lock name: the one holder most names have, or a Map by lease id (shared locks,
   * semaphores). Keyed by name, this one map also counts the names held.
   */
  readonly #holders = new Map<string, Holding | Map<string, Holding>>();
  #holderCount = 0;
  readonly #waiters = new Map<string, Party>();
  readonly #now: () => number;
  readonly #onChange: () => void;
  #sweptAt = Number.NEGATIVE_INFINITY;

  /** `onChange`: after each request that may have changed a lock (a status page reads again). */
  constructor(inner: LeaseBackend, options: { now?: () => number; onChange?: () => void } = {}) {
    this.#inner = inner;
    this.#now = options.now ?? (() => performance.now());
    this.#onChange = options.onChange ?? (() => {});
  }

  gauges(): ServedGauges {
    this.#sweep();
    return {
      locksHeld: this.#holders.size,
      holders: this.#holderCount,
      waiters: this.#waiters.size,
    };
  }

  async acquire(request: AcquireRequest, options: AcquireStepOptions): Promise<AcquireOutcome> {
    const { id, name, ttl } = request;
    if (!request.nonBlocking && !this.#holding(name, id)) {
      this.#waiters.set(id, { name, expiresAt: this.#now() + options.waitMs + ttl });
    }
    let outcome: AcquireOutcome;
    try {
      outcome = await this.#inner.acquire(request, options);
    } catch (error) {
      this.#waiters.delete(id);
      throw error;
    } finally {
      this.#onChange();
    }
    if (outcome.status === "granted") {
      this.#waiters.delete(id);
      this.#hold(outcome.lease);
    } else if (outcome.status === "waiting" && outcome.position >= 0) {
      this.#waiters.set(id, { name, expiresAt: this.#now() + ttl });
    } else this.#waiters.delete(id);
    return outcome;
  }

  async renew(lease: Lease, signal?: AbortSignal): Promise<void> {
    await this.#settles(lease, this.#inner.renew(lease, signal));
    this.#hold(lease);
  }

  async setValue(lease: Lease, value: Parameters<LeaseBackend["setValue"]>[1]): Promise<void> {
    await this.#settles(lease, this.#inner.setValue(lease, value));
    this.#hold(lease);
  }

  async release(lease: Lease): Promise<void> {
    try {
      await this.#inner.release(lease);
    } finally {
      this.#drop(lease.name, lease.id);
      this.#onChange();
    }
  }

  async abandon(request: AcquireRequest): Promise<void> {
    this.#waiters.delete(request.id);
    try {
      await this.#inner.abandon(request);
    } finally {
      this.#onChange();
    }
  }

  inspect(name: string): ReturnType<LeaseBackend["inspect"]> {
    return this.#inner.inspect(name);
  }

  list(prefix: string): ReturnType<LeaseBackend["list"]> {
    return this.#inner.list(prefix);
  }

  watch(name: string, signal: AbortSignal): ReturnType<LeaseBackend["watch"]> {
    return this.#inner.watch(name, signal);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  /** A lease the store no longer has ("not-held") is no longer held through us either. */
  async #settles(lease: Lease, call: Promise<void>): Promise<void> {
    try {
      await call;
    } catch (error) {
      if (isLockgateError(error, "not-held")) this.#drop(lease.name, lease.id);
      throw error;
    }
  }

  #holding(name: string, id: string): Holding | undefined {
    const held = this.#holders.get(name);
    if (held === undefined || held instanceof Map) return held?.get(id);
    return held.id === id ? held : undefined;
  }

  #hold(lease: Lease): void {
    const expiresAt = Math.ceil(this.#now() + lease.ttl);
    const known = this.#holding(lease.name, lease.id);
    if (known) {
      known.expiresAt = expiresAt;
      return;
    }
    const holding: Holding = { id: lease.id, expiresAt };
    const held = this.#holders.get(lease.name);
    if (held === undefined) this.#holders.set(lease.name, holding);
    else if (held instanceof Map) held.set(lease.id, holding);
    else
      this.#holders.set(
        lease.name,
        new Map([
          [held.id, held],
          [lease.id, holding],
        ]),
      );
    this.#holderCount++;
  }

  #drop(name: string, id: string): void {
    const held = this.#holders.get(name);
    if (held === undefined) return;
    if (held instanceof Map) {
      if (!held.delete(id)) return;
      if (held.size === 0) this.#holders.delete(name);
    } else if (held.id === id) this.#holders.delete(name);
    else return;
    this.#holderCount--;
  }

  /** Forgets parties past their ttl; at most once a second, however often it is scraped. */
  #sweep(): void {
    const now = this.#now();
    if (now - this.#sweptAt < 1_000) return;
    this.#sweptAt = now;
    for (const [name, held] of this.#holders) {
      if (!(held instanceof Map)) {
        if (held.expiresAt <= now) this.#drop(name, held.id);
        continue;
      }
      for (const holding of held.values())
        if (holding.expiresAt <= now) this.#drop(name, holding.id);
    }
    for (const [id, party] of this.#waiters) if (party.expiresAt <= now) this.#waiters.delete(id);
  }
}
