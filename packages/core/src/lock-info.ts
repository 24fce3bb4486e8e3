import type { JsonValue } from "./json-value.ts";
import type { LockRecord } from "./lock-record.ts";

/** A holder or waiter as `inspect`, `list` and `watch` show it. */
export interface LockPartyInfo {
  readonly id: string;
  readonly shared: boolean;
  readonly acquirerId?: string;
  readonly value?: JsonValue;
  /** Lease length in ms. */
  readonly ttl: number;
  /** Wall-clock ms of its last renewal, by its own clock. */
  readonly renewedAt: number;
  /** `renewedAt + ttl`: an estimate, since it rests on another host's wall clock. */
  readonly expiresAt: number;
  /** A semaphore's limit (absent for a lock). */
  readonly limit?: number;
}

export interface LockHolderInfo extends LockPartyInfo {
  readonly fencingToken: number;
  readonly acquiredAt: number;
}

export interface LockWaiterInfo extends LockPartyInfo {
  readonly enqueuedAt: number;
}

/** The state of one lock: who holds it, who waits in which order, the last fencing token. */
export interface LockInfo {
  readonly name: string;
  readonly holders: readonly LockHolderInfo[];
  /** In queue order: the first is served next. */
  readonly waiters: readonly LockWaiterInfo[];
  readonly lastFencingToken: number;
}

export function lockInfoFromRecord(record: LockRecord): LockInfo {
  return {
    name: record.name,
    lastFencingToken: record.token,
    holders: record.holders.map((h) => ({
      ...party(h),
      fencingToken: h.token,
      acquiredAt: h.acquiredAt,
    })),
    waiters: record.queue.map((q) => ({ ...party(q), enqueuedAt: q.enqueuedAt })),
  };
}

function party(entry: LockRecord["holders"][number] | LockRecord["queue"][number]): LockPartyInfo {
  return {
    id: entry.id,
    shared: entry.shared,
    ttl: entry.ttl,
    renewedAt: entry.renewedAt,
    expiresAt: entry.renewedAt + entry.ttl,
    ...(entry.acquirerId === undefined ? {} : { acquirerId: entry.acquirerId }),
    ...(entry.value === undefined ? {} : { value: entry.value }),
    ...(entry.limit === undefined ? {} : { limit: entry.limit }),
  };
}
