import type { LeaseEntry, LockRecord } from "./lock-record.ts";

interface Sighting {
  readonly beat: number;
  /** Monotonic time at which this observer first saw `beat`. */
  readonly at: number;
}

/**
 * Judges foreign leases the way Kubernetes client-go judges a leader lease: by this process's
 * own monotonic clock, counting from the moment it last saw the entry's `beat` change. No wall
 * clock of another host is trusted, so a skewed clock can neither keep a dead lease alive nor
 * end a live one early. The cost: an observer that first sees a dead entry waits one full TTL.
 */
export class LeaseObserver {
  readonly #sightings = new Map<string, Map<string, Sighting>>();

  /** Records what `record` shows at monotonic time `now`; forgets entries no longer there. */
  observe(key: string, record: LockRecord, now: number): void {
    const previous = this.#sightings.get(key);
    const next = new Map<string, Sighting>();
    for (const entry of [...record.holders, ...record.queue]) {
      const seen = previous?.get(entry.id);
      // Beats only grow; a stale read showing an older beat must not restart the count.
      next.set(entry.id, seen && seen.beat >= entry.beat ? seen : { beat: entry.beat, at: now });
    }
    if (next.size === 0) this.#sightings.delete(key);
    else this.#sightings.set(key, next);
  }

  /** True once `entry.ttl` ms have passed since this observer saw its current beat. */
  isExpired(key: string, entry: LeaseEntry, now: number): boolean {
    const seen = this.#sightings.get(key)?.get(entry.id);
    if (!seen || seen.beat < entry.beat) return false;
    return now - seen.at >= entry.ttl;
  }

  /** Monotonic time at which the first entry of `record` will expire, if any. */
  nextExpiry(key: string, record: LockRecord): number | undefined {
    const seen = this.#sightings.get(key);
    if (!seen) return undefined;
    let earliest: number | undefined;
    for (const entry of [...record.holders, ...record.queue]) {
      const s = seen.get(entry.id);
      if (!s) continue;
      const at = s.at + entry.ttl;
      if (earliest === undefined || at < earliest) earliest = at;
    }
    return earliest;
  }

  forget(key: string): void {
    this.#sightings.delete(key);
  }
}
