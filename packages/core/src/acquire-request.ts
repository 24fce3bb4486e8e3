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
}

/** A granted lease, as the backend knows it. */
export interface Lease {
  readonly name: string;
  readonly id: string;
  readonly shared: boolean;
  readonly token: number;
  readonly ttl: number;
}
