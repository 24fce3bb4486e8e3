import type { Clock } from "./clock.ts";
import type { LeaseEntry, LockRecord } from "./lock-record.ts";

interface Sighting {
  /** The entry's beat and renewal stamp: a re-joined waiter with an old id still differs. */
  readonly beat: number;
  readonly renewedAt: number;
  /** Monotonic time at which this observer first saw this beat. */
  readonly at: number;
  /** The last observe pass that found this entry in the record. */
  pass: number;
}

/** What one key's record showed, holders and queue places apart, by entry id. */
interface KeySightings {
  holder: Map<string, Sighting>;
  queue: Map<string, Sighting>;
}

/**
 * Judges foreign leases the way Kubernetes client-go judges a leader lease: by this process's
 * own monotonic clock, counting from the moment it last saw the entry's `beat` change. No wall
 * clock of another host is trusted, so a skewed clock can neither keep a dead lease alive nor
 * end a live one early. The cost: an observer that first sees a dead entry waits one full TTL.
 */
export class LeaseObserver {
  readonly #sightings = new Map<string, KeySightings>();
  /** Records observed already, with their earliest expiry (NaN: none): see `observe`. */
  readonly #observed = new WeakMap<LockRecord, number>();

  /**
   * Records what `record` shows at monotonic time `now`; forgets entries no longer there.
   * Returns when the first of its entries expires (as `nextExpiry` would), found in the same
   * pass: every waiter of a lock observes each change, so this is the per-change cost.
   */
  observe(key: string, record: LockRecord, now: number): number | undefined {
    // The same record object again (decoded once, read by every waiter of the process): its
    // beats were counted from the first look. Skipping an older record seen again is safe:
    // its beats no longer match the sightings, so nothing in it can be judged expired.
    const observed = this.#observed.get(record);
    if (observed !== undefined) return Number.isNaN(observed) ? undefined : observed;
    const earliest = this.#observe(key, record, now);
    this.#observed.set(record, earliest ?? Number.NaN);
    return earliest;
  }

  #observe(key: string, record: LockRecord, now: number): number | undefined {
    if (record.holders.length === 0 && record.queue.length === 0) {
      this.#sightings.delete(key);
      return undefined;
    }
    let seen = this.#sightings.get(key);
    if (!seen) {
      seen = { holder: NO_SIGHTINGS, queue: NO_SIGHTINGS };
      this.#sightings.set(key, seen);
    }
    const holder = updateSightings(seen.holder, record.holders, now);
    const queue = updateSightings(seen.queue, record.queue, now);
    seen.holder = holder.sightings;
    seen.queue = queue.sightings;
    if (holder.earliest === undefined) return queue.earliest;
    if (queue.earliest === undefined) return holder.earliest;
    return Math.min(holder.earliest, queue.earliest);
  }

  /**
   * True once `entry.ttl` ms have passed since this observer saw its current beat. A holder
   * and a queue place with the same id are different leases: a granted waiter starts afresh.
   */
  isExpired(key: string, role: "holder" | "queue", entry: LeaseEntry, now: number): boolean {
    const seen = this.#sightings.get(key)?.[role].get(entry.id);
    if (!seen || !sameBeat(seen, entry)) return false;
    // The very sum nextExpiry reports: `now - at >= ttl` can disagree with it by a rounding,
    // and a waiter woken at that time would find nothing expired and wait for it again.
    return now >= seen.at + entry.ttl;
  }

  /**
   * `nextExpiry`, remembered per record: the time found when it was observed, unless that has
   * passed (then it may be stale, a later record having restarted some counts: look again).
   * For records observed here, or records made of their entries (pruned copies).
   */
  expiryOf(key: string, record: LockRecord, now: number): number | undefined {
    const cached = this.#observed.get(record);
    if (cached !== undefined && Number.isNaN(cached)) return undefined;
    if (cached !== undefined && cached > now) return cached;
    const at = this.nextExpiry(key, record);
    this.#observed.set(record, at ?? Number.NaN);
    return at;
  }

  /**
   * Monotonic time at which the first entry of `record` will expire, if any. An entry whose
   * beat is not the one last seen (an older record) is not judged, so it has no expiry here.
   */
  nextExpiry(key: string, record: LockRecord): number | undefined {
    const seen = this.#sightings.get(key);
    if (!seen) return undefined;
    let earliest: number | undefined;
    for (const role of ["holder", "queue"] as const) {
      for (const entry of role === "holder" ? record.holders : record.queue) {
        const s = seen[role].get(entry.id);
        if (!s || !sameBeat(s, entry)) continue;
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

const shared = new WeakMap<object, WeakMap<Clock, LeaseObserver>>();

/**
 * One observer per store and clock in this process, shared by every backend on them: with k
 * lockers of one process waiting on a lock, each change is then observed once, not k times.
 * Sharing is safe: the earliest sighting in the process is still no earlier than the writer
 * sent the beat, and the writer stops believing in its lease before ttl from its send.
 */
export function sharedObserver(store: object, clock: Clock): LeaseObserver {
  let byClock = shared.get(store);
  if (!byClock) {
    byClock = new WeakMap();
    shared.set(store, byClock);
  }
  let observer = byClock.get(clock);
  if (!observer) {
    observer = new LeaseObserver();
    byClock.set(clock, observer);
  }
  return observer;
}

/** Shared by every record without holders (or without a queue): never written to. */
const NO_SIGHTINGS: Map<string, Sighting> = new Map();

/** Marks which sightings the current pass touched (see updateSightings). */
let pass = 0;

/**
 * The sightings of `entries`, updated in place (no map per change): an unchanged beat keeps
 * its sighting, any change restarts the count, and entries gone from the record are dropped.
 * A stale read may show an older beat; restarting on it only delays a takeover, never hastens one.
 */
function updateSightings(
  previous: Map<string, Sighting>,
  entries: readonly LeaseEntry[],
  now: number,
): { sightings: Map<string, Sighting>; earliest: number | undefined } {
  if (entries.length === 0) return { sightings: NO_SIGHTINGS, earliest: undefined };
  const sightings = previous === NO_SIGHTINGS ? new Map<string, Sighting>() : previous;
  const thisPass = ++pass;
  let earliest: number | undefined;
  let touched = 0;
  for (const entry of entries) {
    let seen = sightings.get(entry.id);
    if (seen === undefined || !sameBeat(seen, entry)) {
      seen = { beat: entry.beat, renewedAt: entry.renewedAt, at: now, pass: 0 };
      sightings.set(entry.id, seen);
    }
    if (seen.pass !== thisPass) {
      seen.pass = thisPass;
      touched++;
    }
    const at = seen.at + entry.ttl;
    if (earliest === undefined || at < earliest) earliest = at;
  }
  if (sightings.size > touched) {
    for (const [id, seen] of sightings) if (seen.pass !== thisPass) sightings.delete(id);
  }
  return { sightings, earliest };
}

function sameBeat(seen: Sighting, entry: LeaseEntry): boolean {
  return seen.beat === entry.beat && seen.renewedAt === entry.renewedAt;
}
