import type { LeaseEntry, LockRecord } from "./lock-record.ts";

interface Sighting {
  /** The entry's beat and renewal stamp: a re-joined waiter with an old id still differs. */
  readonly mark: string;
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
    for (const [role, entries] of [
      ["holder", record.holders],
      ["queue", record.queue],
    ] as const) {
      for (const entry of entries) {
        const id = sightingId(role, entry.id);
        const seen = previous?.get(id);
        const mark = markOf(entry);
        // Any change restarts the count. A stale read may show an older beat; restarting on
        // it only delays a takeover, never hastens one.
        next.set(id, seen && seen.mark === mark ? seen : { mark, at: now });
      }
    }
    if (next.size === 0) this.#sightings.delete(key);
    else this.#sightings.set(key, next);
  }

  /**
   * True once `entry.ttl` ms have passed since this observer saw its current beat. A holder
   * and a queue place with the same id are different leases: a granted waiter starts afresh.
   */
  isExpired(key: string, role: "holder" | "queue", entry: LeaseEntry, now: number): boolean {
    const seen = this.#sightings.get(key)?.get(sightingId(role, entry.id));
    if (!seen || seen.mark !== markOf(entry)) return false;
    return now - seen.at >= entry.ttl;
  }

  /** Monotonic time at which the first entry of `record` will expire, if any. */
  nextExpiry(key: string, record: LockRecord): number | undefined {
    const seen = this.#sightings.get(key);
    if (!seen) return undefined;
    let earliest: number | undefined;
    for (const [role, entries] of [
      ["holder", record.holders],
      ["queue", record.queue],
    ] as const) {
      for (const entry of entries) {
        const s = seen.get(sightingId(role, entry.id));
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

function markOf(entry: LeaseEntry): string {
  return `${entry.beat}@${entry.renewedAt}`;
}

function sightingId(role: "holder" | "queue", id: string): string {
  return `${role}:${id}`;
}
