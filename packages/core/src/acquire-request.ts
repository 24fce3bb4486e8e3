import type { JsonValue } from "./json-value.ts";

/** One acquire call as the lease backend sees it. `id` becomes the lease id once granted. */
export interface AcquireRequest {
  readonly name: string;
  readonly id: string;
  readonly shared: boolean;
  /** Lease length in ms, for the grant and for the waiter's place in the queue. */
  readonly ttl: number;
  /** Never join the queue; report "busy" instead. */
  readonly nonBlocking: boolean;
  readonly acquirerId?: string;
  readonly value?: JsonValue;
  /** At most this many holders at once (a counting semaphore). Absent or 1: a lock. */
  readonly limit?: number;
  /**
   * Wall-clock ms when the caller asked (the Locker sets it once per acquire call). The queue
   * is ordered by it, so a join that lost write races (or waited for a busy event loop) still
   * gets the place its ask deserved. Default: the time the join is written.
   */
  readonly askedAt?: number;
}

/** A granted lease, as the backend knows it. */
export interface Lease {
  readonly name: string;
  readonly id: string;
  readonly shared: boolean;
  readonly token: number;
  readonly ttl: number;
}
