import type { LeaseEntry, LockRecord } from "./lock-record.ts";

interface Sighting {
  /** The entry's beat and renewal stamp: a re-joined waiter with an old id still differs. */
  readonly beat: number;
  readonly renewedAt: number;
  /** Monotonic time at which this observer first saw this beat. */
  readonly at: number;
}

/** What one key's record showed, holders and queue places apart, by entry id. */
interface KeySightings {
  readonly holder: ReadonlyMap<string, Sighting>;
  readonly queue: ReadonlyMap<string, Sighting>;
}

/**
 * Judges foreign leases the way Kubernetes client-go judges a leader lease: by this process's
 * own monotonic clock, counting from the moment it last saw the entry's `beat` change. No wall
 * clock of another host is trusted, so a skewed clock can neither keep a dead lease alive nor
 * end a live one early. The cost: an observer that first sees a dead entry waits one full TTL.
 */
export class LeaseObserver {
  readonly #sightings = new Map<string, KeySightings>();

  /** Records what `record` shows at monotonic time `now`; forgets entries no longer there. */
  observe(key: string, record: LockRecord, now: number): void {
    const previous = this.#sightings.get(key);
    if (record.holders.length === 0 && record.queue.length === 0) {
      this.#sightings.delete(key);
      return;
    }
    this.#sightings.set(key, {
      holder: sightingsOf(record.holders, previous?.holder, now),
      queue: sightingsOf(record.queue, previous?.queue, now),
    });
  }

  /**
   * True once `entry.ttl` ms have passed since this observer saw its current beat. A holder
   * and a queue place with the same id are different leases: a granted waiter starts afresh.
   */
  isExpired(key: string, role: "holder" | "queue", entry: LeaseEntry, now: number): boolean {
    const seen = this.#sightings.get(key)?.[role].get(entry.id);
    if (!seen || !sameBeat(seen, entry)) return false;
    return now - seen.at >= entry.ttl;
  }

  /** Monotonic time at which the first entry of `record` will expire, if any. */
  nextExpiry(key: string, record: LockRecord): number | undefined {
    const seen = this.#sightings.get(key);
    if (!seen) return undefined;
    let earliest: number | undefined;
    for (const role of ["holder", "queue"] as const) {
      for (const entry of role === "holder" ? record.holders : record.queue) {
        const s = seen[role].get(entry.id);
        if (!s) continue;
        const at = s.at + entry.ttl;
        if (earliest === undefined || at < earliest) earliest = at;
      }
    }
    return earliest;
  }

  forget(key: string): void {
    this.#sightings.delete(key);
  }
}

/** Shared by every record without holders (or without a queue): never written to. */
const NO_SIGHTINGS: ReadonlyMap<string, Sighting> = new Map();

function sightingsOf(
  entries: readonly LeaseEntry[],
  previous: ReadonlyMap<string, Sighting> | undefined,
  now: number,
): ReadonlyMap<string, Sighting> {
  if (entries.length === 0) return NO_SIGHTINGS;
  const next = new Map<string, Sighting>();
  for (const entry of entries) {
    const seen = previous?.get(entry.id);
    // Any change restarts the count. A stale read may show an older beat; restarting on it
    // only delays a takeover, never hastens one.
    next.set(
      entry.id,
      seen && sameBeat(seen, entry)
        ? seen
        : { beat: entry.beat, renewedAt: entry.renewedAt, at: now },
    );
  }
  return next;
}

function sameBeat(seen: Sighting, entry: LeaseEntry): boolean {
  return seen.beat === entry.beat && seen.renewedAt === entry.renewedAt;
}
