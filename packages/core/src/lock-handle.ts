import type { Lease } from "./acquire-request.ts";
import { type LockgateError, stacklessError } from "./errors.ts";
import type { JsonValue } from "./json-value.ts";
import type { LeaseBackend } from "./lease-backend.ts";
import type { LeaseRenewer } from "./lease-renewer.ts";

interface LockHandleInternals {
  readonly backend: LeaseBackend;
  readonly lease: Lease;
  readonly onError: (error: unknown) => void;
  readonly onSettled: (handle: Lock) => void;
  /** The entry was left in the record when the lease was lost; release() removes it. */
  readonly releaseAfterLoss?: boolean;
}

/** Why a hold ended, built only when someone asks: most holds end by a release nobody watches. */
type EndReason = LockgateError | (() => LockgateError);

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
  readonly #internals: LockHandleInternals;
  #renewer: LeaseRenewer | undefined;
  #release: Promise<void> | undefined;
  /** Made at the first read of `signal`: a controller and its abort event per hold cost more than the rest of an uncontended acquire+release. */
  #controller: AbortController | undefined;
  #ended: EndReason | undefined;

  /** @internal Created by Locker.acquire. */
  constructor(internals: LockHandleInternals) {
    this.#internals = internals;
    this.name = internals.lease.name;
    this.id = internals.lease.id;
    this.shared = internals.lease.shared;
    this.fencingToken = internals.lease.token;
  }

  /** See the class: "lease-lost" when lost; "not-held" after `release()` or `detach()`. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#ended) this.#controller.abort(this.#reason());
    }
    return this.#controller.signal;
  }

  /** @internal Ends the hold (lost, max-hold, released): false if it had already ended. */
  end(reason: EndReason): boolean {
    if (this.#ended) return false;
    this.#ended = reason;
    this.#controller?.abort(this.#reason());
    return true;
  }

  /** @internal Whether the hold has ended, without building a signal. */
  get ended(): boolean {
    return this.#ended !== undefined;
  }

  #reason(): LockgateError {
    if (typeof this.#ended === "function") this.#ended = this.#ended();
    return this.#ended as LockgateError;
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
    if (this.#ended) return false;
    return this.#renewer?.isBelieved() ?? true;
  }

  /** Throws the lost-lease (or released) error unless `held` is true. */
  throwIfLost(): void {
    if (this.held) return;
    throw this.#reason();
  }

  /** True once the lease was lost (see `signal.reason`). */
  get lost(): boolean {
    return this.#ended !== undefined && this.#reason().code === "lease-lost";
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
    const { lease, onSettled } = this.#internals;
    this.#renewer?.stop();
    this.#release = Promise.resolve();
    this.end(() =>
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
    const { backend, lease, onSettled } = this.#internals;
    try {
      // A lost lease was already given up by the Locker, unless it was told to leave it to us.
      if (this.#ended) {
        const reason = this.#reason();
        // After maxHold the entry stays until its ttl; a holder that stopped may free it now.
        if (reason.code === "max-hold" || (this.lost && this.#internals.releaseAfterLoss))
          await backend.release(lease);
        return;
      }
      this.#renewer?.stop();
      this.end(() =>
        stacklessError("not-held", `The lock ${JSON.stringify(lease.name)} was released`),
      );
      await backend.release(lease);
    } finally {
      onSettled(this);
    }
  }
}
