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
  readonly #holders = new Map<string, Party>();
  readonly #waiters = new Map<string, Party>();
  readonly #heldNames = new Map<string, number>();
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
      locksHeld: this.#heldNames.size,
      holders: this.#holders.size,
      waiters: this.#waiters.size,
    };
  }

  async acquire(request: AcquireRequest, options: AcquireStepOptions): Promise<AcquireOutcome> {
    const { id, name, ttl } = request;
    if (!request.nonBlocking && !this.#holders.has(id)) {
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
      this.#drop(lease.id);
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
      if (isLockgateError(error, "not-held")) this.#drop(lease.id);
      throw error;
    }
  }

  #hold(lease: Lease): void {
    const known = this.#holders.get(lease.id);
    const expiresAt = this.#now() + lease.ttl;
    if (known) {
      known.expiresAt = expiresAt;
      return;
    }
    this.#holders.set(lease.id, { name: lease.name, expiresAt });
    this.#heldNames.set(lease.name, (this.#heldNames.get(lease.name) ?? 0) + 1);
  }

  #drop(id: string): void {
    const known = this.#holders.get(id);
    if (!known) return;
    this.#holders.delete(id);
    const left = (this.#heldNames.get(known.name) ?? 1) - 1;
    if (left > 0) this.#heldNames.set(known.name, left);
    else this.#heldNames.delete(known.name);
  }

  /** Forgets parties past their ttl; at most once a second, however often it is scraped. */
  #sweep(): void {
    const now = this.#now();
    if (now - this.#sweptAt < 1_000) return;
    this.#sweptAt = now;
    for (const [id, party] of this.#holders) if (party.expiresAt <= now) this.#drop(id);
    for (const [id, party] of this.#waiters) if (party.expiresAt <= now) this.#waiters.delete(id);
  }
}
