import type { AcquireRequest, Lease } from "./acquire-request.ts";
import type { JsonValue } from "./json-value.ts";
import type { LockInfo } from "./lock-info.ts";

export type AcquireOutcome =
  /**
   * The request holds the lock. `sentAt` is a monotonic time (the Locker's clock) no later
   * than the moment the grant took effect: the holder's lease is counted from there.
   */
  | { readonly status: "granted"; readonly lease: Lease; readonly sentAt: number }
  /** Not grantable, and the request was non-blocking. */
  | { readonly status: "busy" }
  /** Queued at `position` (0 is next); call `acquire` again to keep the place. */
  | { readonly status: "waiting"; readonly position: number };

export interface AcquireStepOptions {
  /** How long this step may wait for the turn before answering "waiting" (0: do not wait). */
  readonly waitMs: number;
  readonly signal?: AbortSignal;
}

/**
 * The single steps on one lock's record, as Go lockgate's DistributedLockerBackend. The
 * Locker drives them (waiting, timeouts, renewal, lost leases); implemented over a LockStore
 * in core and over HTTP in @lockgate/http-client.
 */
export interface LeaseBackend {
  /**
   * Grants the request, or reports "busy" (non-blocking), or queues it (blocking). Each call
   * also renews the waiter's place in the queue, so a waiter must call again within its ttl.
   */
  acquire(request: AcquireRequest, options: AcquireStepOptions): Promise<AcquireOutcome>;
  /** Extends the lease. Rejects with code "not-held" when the lease is no longer in force. */
  renew(lease: Lease, signal?: AbortSignal): Promise<void>;
  /**
   * Replaces the holder's value (shown by inspect; an election's proclaimed value), renewing
   * the lease in the same write. Rejects with code "not-held" when the lease is gone.
   */
  setValue(lease: Lease, value: JsonValue | undefined): Promise<void>;
  /** Ends the lease; resolves too when it had already ended. */
  release(lease: Lease): Promise<void>;
  /** Removes every trace of an acquire call: its queue place and any grant it got. */
  abandon(request: AcquireRequest): Promise<void>;
  inspect(name: string): Promise<LockInfo>;
  /** Locks whose name starts with `prefix` that have holders or waiters. */
  list(prefix: string): Promise<LockInfo[]>;
  /** The lock's state now, then after every change. */
  watch(name: string, signal: AbortSignal): AsyncIterable<LockInfo>;
  close(): Promise<void>;
}
