import type { JsonValue } from "./json-value.ts";

/** A party in a lock record: a holder or a waiter, each with its own lease. */
export interface LeaseEntry {
  /** Unique per acquire call; the lease id of the handle once granted. */
  readonly id: string;
  readonly shared: boolean;
  /** Lease length in ms. Others expire this entry `ttl` after they last saw `beat` change. */
  readonly ttl: number;
  /** Bumped by every renewal: what observers watch, instead of trusting a wall clock. */
  readonly beat: number;
  /** Wall-clock ms of the last renewal, by the writer's clock: for people, never trusted. */
  readonly renewedAt: number;
  readonly acquirerId?: string;
  readonly value?: JsonValue;
  /** A semaphore's permit count (2 or more), as every entry of the record agreed; absent: 1. */
  readonly limit?: number;
}

export interface HolderEntry extends LeaseEntry {
  /** Fencing token of this grant. */
  readonly token: number;
  /** Wall-clock ms of the grant, by the holder's clock. */
  readonly acquiredAt: number;
}

export interface QueueEntry extends LeaseEntry {
  /** Wall-clock ms when the waiter joined, by the waiter's clock. */
  readonly enqueuedAt: number;
}

/** Everything about one lock name: its holders, its FIFO queue and its fencing counter. */
export interface LockRecord {
  readonly name: string;
  /** The last fencing token granted; the record outlives its holders to keep it. */
  readonly token: number;
  readonly holders: readonly HolderEntry[];
  readonly queue: readonly QueueEntry[];
}

/** How records become store values and back; a store with a foreign format brings its own. */
export interface RecordCodec {
  encode(record: LockRecord): string;
  /** Throws a LockgateError with code "corrupt-record" for a value that is not a record. */
  decode(value: string, key: string): LockRecord;
  /**
   * The record of a key that has no value. Default `emptyRecord(key)`, whose fencing counter
   * starts at 0; a codec whose records can be deleted by foreign writers seeds it otherwise.
   */
  absent?(key: string): LockRecord;
  /**
   * `decode(encode(record))` gives back `record` field for field. The backend then keeps the
   * record it wrote as its reading of that version, instead of decoding its own write again.
   * Leave it unset for a format that drops or folds fields.
   */
  readonly lossless?: boolean;
}

/** Shared by every record with no holders or no waiters: records are never mutated. */
const NO_ENTRIES: readonly never[] = Object.freeze([]);

export function emptyRecord(name: string, token = 0): LockRecord {
  return { name, token, holders: NO_ENTRIES, queue: NO_ENTRIES };
}
