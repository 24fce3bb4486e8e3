import type { Clock } from "./clock.ts";
import type { LeaseEntry, LockRecord } from "./lock-record.ts";

interface Sighting {
  readonly id: string;
  /** The entry's beat and renewal stamp: a re-joined waiter with an old id still differs. */
  readonly beat: number;
  readonly renewedAt: number;
  /** Monotonic time at which this observer first saw this beat. */
  readonly at: number;
  /** The last observe pass that found this entry in the record. */
  pass: number;
}

/**
 * One role's sightings of a key: none, the one entry most records have (a Map per key was a
 * quarter of a lock server's heap with 100,000 locks held), or a Map by entry id.
 */
type Sightings = Sighting | Map<string, Sighting> | undefined;

/** What one key's record showed, holders and queue places apart. */
interface KeySightings {
  holder: Sightings;
  queue: Sightings;
}

function sightingOf(sightings: Sightings, id: string): Sighting | undefined {
  if (sightings === undefined) return undefined;
  if (sightings instanceof Map) return sightings.get(id);
  return sightings.id === id ? sightings : undefined;
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
      seen = { holder: undefined, queue: undefined };
      this.#sightings.set(key, seen);
    }
    const holderExpiry = updateSightings(seen, "holder", record.holders, now);
    const queueExpiry = updateSightings(seen, "queue", record.queue, now);
    if (holderExpiry === undefined) return queueExpiry;
    if (queueExpiry === undefined) return holderExpiry;
    return Math.min(holderExpiry, queueExpiry);
  }

  /**
   * True once `entry.ttl` ms have passed since this observer saw its current beat. A holder
   * and a queue place with the same id are different leases: a granted waiter starts afresh.
   */
  isExpired(key: string, role: "holder" | "queue", entry: LeaseEntry, now: number): boolean {
    const seen = sightingOf(this.#sightings.get(key)?.[role], entry.id);
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
        const s = sightingOf(seen[role], entry.id);
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

/** Marks which sightings the current pass touched (see updateSightings). */
let pass = 0;

/**
 * Updates one role's sightings of a key to `entries` (a Map in place) and returns the earliest
 * expiry among them: an unchanged beat keeps its sighting, any change restarts the count, and
 * entries gone from the record are dropped. A stale read may show an older beat; restarting on
 * it only delays a takeover, never hastens one.
 */
function updateSightings(
  key: KeySightings,
  role: "holder" | "queue",
  entries: readonly LeaseEntry[],
  now: number,
): number | undefined {
  const previous = key[role];
  if (entries.length === 0) {
    key[role] = undefined;
    return undefined;
  }
  if (entries.length === 1) {
    const entry = entries[0] as LeaseEntry;
    let seen = sightingOf(previous, entry.id);
    if (seen === undefined || !sameBeat(seen, entry)) seen = sighting(entry, now);
    key[role] = seen;
    return seen.at + entry.ttl;
  }
  const sightings = previous instanceof Map ? previous : new Map<string, Sighting>();
  if (previous !== undefined && !(previous instanceof Map)) sightings.set(previous.id, previous);
  const thisPass = ++pass;
  let earliest: number | undefined;
  let touched = 0;
  for (const entry of entries) {
    let seen = sightings.get(entry.id);
    if (seen === undefined || !sameBeat(seen, entry)) {
      seen = sighting(entry, now);
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
  key[role] = sightings;
  return earliest;
}

function sighting(entry: LeaseEntry, now: number): Sighting {
  return { id: entry.id, beat: entry.beat, renewedAt: entry.renewedAt, at: now, pass: 0 };
}

function sameBeat(seen: Sighting, entry: LeaseEntry): boolean {
  return seen.beat === entry.beat && seen.renewedAt === entry.renewedAt;
}
