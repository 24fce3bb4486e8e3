import type { Clock } from "./clock.ts";
import type { LeaseEntry, LockRecord } from "./lock-record.ts";

/** An entry of a record, and the monotonic time at which this observer first saw its beat. */
interface Sighting {
  /** The entry as last seen: its id, beat and renewal stamp are what a later look compares. */
  readonly entry: LeaseEntry;
  readonly at: number;
  /** The last observe pass that found this entry in the record. */
  pass: number;
}

/**
 * One role's sightings of a key: none, the one entry most records have (kept in KeySightings'
 * own fields: an object per sighting was a tenth of a lock server's heap with 100,000 locks
 * held), or a Map by entry id.
 */
type Sightings = LeaseEntry | Map<string, Sighting> | undefined;

/** What one key's records showed, holders and queue places apart. */
class KeySightings {
  holder: Sightings = undefined;
  /**
   * When the lone `holder` entry's beat was first seen (undefined unless `holder` is one
   * entry). Never initialised to a number: V8 would then give every object a boxed number
   * for each of these fields, used or not.
   */
  holderAt: number | undefined = undefined;
  queue: Sightings = undefined;
  queueAt: number | undefined = undefined;
  /**
   * The record last observed: every waiter of the process reads each change, and the second
   * to the k-th look at the same object are skipped. `expiry` is its earliest expiry when a
   * role is a Map (a lone entry's is a sum, computed on demand); undefined otherwise.
   */
  record: LockRecord | undefined = undefined;
  expiry: number | undefined = undefined;
}

/** When `entry` was first seen with its current beat, by `seen`'s sightings of `role`; NaN: never. */
function seenAt(seen: KeySightings, role: "holder" | "queue", entry: LeaseEntry): number {
  const sightings = seen[role];
  if (sightings === undefined) return Number.NaN;
  if (sightings instanceof Map) {
    const sighting = sightings.get(entry.id);
    return sighting !== undefined && sameBeat(sighting.entry, entry) ? sighting.at : Number.NaN;
  }
  if (!sameBeat(sightings, entry)) return Number.NaN;
  return (role === "holder" ? seen.holderAt : seen.queueAt) ?? Number.NaN;
}

/** The earliest expiry among `seen`'s sightings: what the record it last observed holds. */
function earliestOf(seen: KeySightings): number | undefined {
  if (seen.expiry !== undefined) return seen.expiry;
  const holder = seen.holder instanceof Map ? undefined : seen.holder;
  const queue = seen.queue instanceof Map ? undefined : seen.queue;
  const holderExpiry = holder === undefined ? undefined : (seen.holderAt as number) + holder.ttl;
  const queueExpiry = queue === undefined ? undefined : (seen.queueAt as number) + queue.ttl;
  if (holderExpiry === undefined) return queueExpiry;
  if (queueExpiry === undefined) return holderExpiry;
  return Math.min(holderExpiry, queueExpiry);
}

/**
 * Judges foreign leases the way Kubernetes client-go judges a leader lease: by this process's
 * own monotonic clock, counting from the moment it last saw the entry's `beat` change. No wall
 * clock of another host is trusted, so a skewed clock can neither keep a dead lease alive nor
 * end a live one early. The cost: an observer that first sees a dead entry waits one full TTL.
 */
export class LeaseObserver {
  readonly #sightings = new Map<string, KeySightings>();

  /**
   * Records what `record` shows at monotonic time `now`; forgets entries no longer there.
   * Returns when the first of its entries expires (as `nextExpiry` would), found in the same
   * pass: every waiter of a lock observes each change, so this is the per-change cost.
   */
  observe(key: string, record: LockRecord, now: number): number | undefined {
    let seen = this.#sightings.get(key);
    // The same record object again (decoded once, read by every waiter of the process): its
    // beats were counted from the first look.
    if (seen?.record === record) return earliestOf(seen);
    if (record.holders.length === 0 && record.queue.length === 0) {
      this.#sightings.delete(key);
      return undefined;
    }
    if (!seen) {
      seen = new KeySightings();
      this.#sightings.set(key, seen);
    }
    const holderExpiry = updateSightings(seen, "holder", record.holders, now);
    const queueExpiry = updateSightings(seen, "queue", record.queue, now);
    let earliest: number | undefined;
    if (holderExpiry === undefined) earliest = queueExpiry;
    else if (queueExpiry === undefined) earliest = holderExpiry;
    else earliest = Math.min(holderExpiry, queueExpiry);
    seen.record = record;
    seen.expiry = seen.holder instanceof Map || seen.queue instanceof Map ? earliest : undefined;
    return earliest;
  }

  /**
   * True once `entry.ttl` ms have passed since this observer saw its current beat. A holder
   * and a queue place with the same id are different leases: a granted waiter starts afresh.
   */
  isExpired(key: string, role: "holder" | "queue", entry: LeaseEntry, now: number): boolean {
    const seen = this.#sightings.get(key);
    if (!seen) return false;
    // The very sum nextExpiry reports: `now - at >= ttl` can disagree with it by a rounding,
    // and a waiter woken at that time would find nothing expired and wait for it again.
    // (NaN, an entry not seen with this beat, compares false.)
    return now >= seenAt(seen, role, entry) + entry.ttl;
  }

  /**
   * `nextExpiry`, remembered for the record last observed: the time found then, unless that
   * has passed (a later look may have restarted some counts: look again). Other records (a
   * pruned copy, an older one) are walked.
   */
  expiryOf(key: string, record: LockRecord, now: number): number | undefined {
    const seen = this.#sightings.get(key);
    if (seen !== undefined && seen.record === record) {
      const at = earliestOf(seen);
      if (at === undefined || at > now) return at;
    }
    return this.nextExpiry(key, record);
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
        const at = seenAt(seen, role, entry) + entry.ttl;
        if (at < (earliest ?? Number.POSITIVE_INFINITY)) earliest = at;
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
    if (role === "holder") key.holderAt = undefined;
    else key.queueAt = undefined;
    return undefined;
  }
  if (entries.length === 1) {
    const entry = entries[0] as LeaseEntry;
    let at = seenAt(key, role, entry);
    if (Number.isNaN(at)) at = now;
    key[role] = entry;
    if (role === "holder") key.holderAt = at;
    else key.queueAt = at;
    return at + entry.ttl;
  }
  let sightings: Map<string, Sighting>;
  if (previous instanceof Map) sightings = previous;
  else {
    sightings = new Map();
    const at = role === "holder" ? key.holderAt : key.queueAt;
    if (previous !== undefined && at !== undefined) {
      sightings.set(previous.id, { entry: previous, at, pass: 0 });
    }
    if (role === "holder") key.holderAt = undefined;
    else key.queueAt = undefined;
  }
  const thisPass = ++pass;
  let earliest: number | undefined;
  let touched = 0;
  for (const entry of entries) {
    let seen = sightings.get(entry.id);
    if (seen === undefined || !sameBeat(seen.entry, entry)) {
      seen = { entry, at: now, pass: 0 };
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

/** The same lease with the same beat: a re-joined waiter with an old id still differs. */
function sameBeat(seen: LeaseEntry, entry: LeaseEntry): boolean {
  return (
    seen === entry ||
    (seen.id === entry.id && seen.beat === entry.beat && seen.renewedAt === entry.renewedAt)
  );
}
