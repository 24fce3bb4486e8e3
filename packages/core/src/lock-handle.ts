import type { Lease } from "./acquire-request.ts";
import { type LockgateError, stacklessError } from "./errors.ts";
import type { JsonValue } from "./json-value.ts";
import type { LeaseBackend } from "./lease-backend.ts";
import type { LeaseRenewer } from "./lease-renewer.ts";

interface LockHandleInternals {
  readonly backend: LeaseBackend;
  readonly lease: Lease;
  readonly controller: AbortController;
  readonly onError: (error: unknown) => void;
  readonly onSettled: (handle: Lock) => void;
  /** The entry was left in the record when the lease was lost; release() removes it. */
  readonly releaseAfterLoss?: boolean;
}

/**
 * A held lock. `signal` aborts, with a "lease-lost" LockgateError as its reason, the moment the
 * holder can no longer be sure it holds the lock; after `release()` it aborts with "not-held".
 */
export class Lock implements AsyncDisposable {
  readonly name: string;
  /** The lease id: unique to this grant. */
  readonly id: string;
  readonly shared: boolean;
  /** Strictly greater than every earlier grant's token for this name: pass it to what you guard. */
  readonly fencingToken: number;
  readonly signal: AbortSignal;
  readonly #internals: LockHandleInternals;
  #renewer: LeaseRenewer | undefined;
  #release: Promise<void> | undefined;

  /** @internal Created by Locker.acquire. */
  constructor(internals: LockHandleInternals) {
    this.#internals = internals;
    this.name = internals.lease.name;
    this.id = internals.lease.id;
    this.shared = internals.lease.shared;
    this.fencingToken = internals.lease.token;
    this.signal = internals.controller.signal;
  }

  /** @internal */
  attachRenewer(renewer: LeaseRenewer): void {
    this.#renewer = renewer;
  }

  /**
   * Whether this process may act as the holder right now: exact when read, by the monotonic
   * clock against the lease's local deadline. After a pause of the process (SIGSTOP, a debugger,
   * a long GC) timers that came due meanwhile run in no guaranteed order, so `signal` may not
   * have aborted yet when your code resumes; `held` declares the loss itself (aborting `signal`)
   * before it answers false. Check it, or `throwIfLost()`, right before each guarded step.
   */
  get held(): boolean {
    if (this.signal.aborted) return false;
    return this.#renewer?.isBelieved() ?? true;
  }

  /** Throws the lost-lease (or released) error unless `held` is true. */
  throwIfLost(): void {
    if (this.held) return;
    throw this.signal.reason;
  }

  /** True once the lease was lost (see `signal.reason`). */
  get lost(): boolean {
    return this.signal.aborted && (this.signal.reason as LockgateError).code === "lease-lost";
  }

  get released(): boolean {
    return this.#release !== undefined;
  }

  /**
   * Gives the lock up. Idempotent: later calls return the first call's promise. Resolves also
   * when the lease had already been lost. Rejects only when the store could not be told; the
   * lease then expires on its own after its ttl, since renewal has stopped.
   */
  release(): Promise<void> {
    this.#release ??= this.#doRelease();
    return this.#release;
  }

  /**
   * Stops renewing the lease in this process without releasing it, and returns it for
   * `locker.adopt` elsewhere (Go lockgate's HoldLease: acquire in one CI step, renew in
   * another). Until someone adopts it, nobody renews it, so it ends one ttl after the last
   * renewal. `signal` aborts with "not-held"; `release()` afterwards does nothing.
   */
  detach(): Lease {
    this.throwIfLost();
    const { lease, controller, onSettled } = this.#internals;
    this.#renewer?.stop();
    this.#release = Promise.resolve();
    controller.abort(
      stacklessError("not-held", `The lock ${JSON.stringify(lease.name)} was detached`),
    );
    onSettled(this);
    return { ...lease };
  }

  /**
   * Replaces the value others see about this holder (inspect, status, an election's leader),
   * renewing the lease in the same write. Rejects with the lost-lease error when not held.
   */
  async setValue(value: JsonValue | undefined): Promise<void> {
    this.throwIfLost();
    await this.#internals.backend.setValue(this.#internals.lease, value);
  }

  /** `await using lock = await locker.acquire(...)`: releases, and never throws over your error. */
  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.release();
    } catch (error) {
      this.#internals.onError(error);
    }
  }

  async #doRelease(): Promise<void> {
    const { backend, lease, controller, onSettled } = this.#internals;
    try {
      // A lost lease was already given up by the Locker, unless it was told to leave it to us.
      if (this.signal.aborted) {
        const reason = this.signal.reason as LockgateError;
        // After maxHold the entry stays until its ttl; a holder that stopped may free it now.
        if (reason.code === "max-hold" || (this.lost && this.#internals.releaseAfterLoss))
          await backend.release(lease);
        return;
      }
      this.#renewer?.stop();
      controller.abort(
        stacklessError("not-held", `The lock ${JSON.stringify(lease.name)} was released`),
      );
      await backend.release(lease);
    } finally {
      onSettled(this);
    }
  }
}
