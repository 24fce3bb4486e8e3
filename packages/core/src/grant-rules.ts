import type { AcquireRequest } from "./acquire-request.ts";
import type { JsonValue } from "./json-value.ts";
import {
  emptyRecord,
  type HolderEntry,
  type LeaseEntry,
  type LockRecord,
  type QueueEntry,
} from "./lock-record.ts";

export type AcquirePlan =
  /** Write `record`, which makes the request a holder. */
  | { readonly kind: "grant"; readonly record: LockRecord; readonly holder: HolderEntry }
  /** The request already holds the lock (an earlier write went through unseen). */
  | { readonly kind: "held"; readonly holder: HolderEntry }
  /** Not grantable and the request may not wait. Nothing to write. */
  | { readonly kind: "busy" }
  /**
   * Wait in the queue; write `record` if not null (join, heartbeat or pruning). Position -1:
   * not in the queue, and this attempt may not join (see `heartbeat`).
   */
  | { readonly kind: "wait"; readonly record: LockRecord | null; readonly position: number }
  /** The record's holders and waiters agreed on another limit; nothing to write. */
  | { readonly kind: "limit-mismatch"; readonly limit: number };

/**
 * The permit count a record's holders and waiters agreed on (each entry carries it), or
 * undefined when nobody holds or waits: then the next request sets it.
 */
export function agreedLimit(record: LockRecord): number | undefined {
  const entry = record.holders[0] ?? record.queue[0];
  return entry === undefined ? undefined : (entry.limit ?? 1);
}

function limitOf(record: LockRecord): number {
  return agreedLimit(record) ?? 1;
}

/**
 * Whether the request may hold the lock now. Arrival order decides: an exclusive request needs
 * fewer holders than the limit (1 for a lock) and nobody ahead of it; a shared one needs no
 * exclusive holder and no exclusive waiter ahead of it, so readers cannot starve a writer.
 */
export function isGrantable(
  record: LockRecord,
  id: string,
  shared: boolean,
  limit: number = limitOf(record),
): boolean {
  const position = queuePositionOf(record, id);
  const ahead = position === -1 ? record.queue.length : position;
  if (shared) {
    const index = scanned(record) ? undefined : indexOf(record);
    const exclusiveHolder = index?.exclusiveHolder ?? record.holders.some((h) => !h.shared);
    const firstExclusiveWaiter =
      index?.firstExclusiveWaiter ?? record.queue.findIndex((q) => !q.shared);
    return !exclusiveHolder && (firstExclusiveWaiter === -1 || firstExclusiveWaiter >= ahead);
  }
  return record.holders.length < limit && ahead === 0;
}

/**
 * What every waiter of a lock asks of one record, computed once per record: with k waiters in
 * one process (or on one lock server) each change costs O(record) in all, not O(k x record).
 */
interface RecordIndex {
  readonly holderById: ReadonlyMap<string, HolderEntry>;
  readonly queuePosition: ReadonlyMap<string, number>;
  readonly exclusiveHolder: boolean;
  /** Position of the first exclusive waiter, or -1. */
  readonly firstExclusiveWaiter: number;
}

const indexes = new WeakMap<LockRecord, RecordIndex>();
/**
 * Records with at most this many entries are scanned instead: two maps and a weak entry per
 * record cost more than a short scan, and most records (every uncontended one) are that small.
 */
const SCAN_UP_TO = 8;

function scanned(record: LockRecord): boolean {
  return record.holders.length + record.queue.length <= SCAN_UP_TO;
}

function holderOf(record: LockRecord, id: string): HolderEntry | undefined {
  if (scanned(record)) return record.holders.find((h) => h.id === id);
  return indexOf(record).holderById.get(id);
}

function indexOf(record: LockRecord): RecordIndex {
  let index = indexes.get(record);
  if (!index) {
    const holderById = new Map<string, HolderEntry>();
    let exclusiveHolder = false;
    for (const h of record.holders) {
      holderById.set(h.id, h);
      if (!h.shared) exclusiveHolder = true;
    }
    const queuePosition = new Map<string, number>();
    let firstExclusiveWaiter = -1;
    record.queue.forEach((q, i) => {
      queuePosition.set(q.id, i);
      if (!q.shared && firstExclusiveWaiter === -1) firstExclusiveWaiter = i;
    });
    index = { holderById, queuePosition, exclusiveHolder, firstExclusiveWaiter };
    indexes.set(record, index);
  }
  return index;
}

/** Position of `id` in the record's queue, or -1. */
export function queuePositionOf(record: LockRecord, id: string): number {
  if (scanned(record)) return record.queue.findIndex((q) => q.id === id);
  return indexOf(record).queuePosition.get(id) ?? -1;
}

/**
 * How far a newcomer may be placed ahead of waiters who asked after it, by their clocks. Hosts'
 * clocks disagree: bounding the pass bounds what a clock running behind can gain.
 */
export const JOIN_ORDER_WINDOW_MS = 1_000;

/**
 * Where a newcomer that asked at `askedAt` joins: behind everyone who asked before it, ahead of
 * the waiters at the tail who asked after it (within JOIN_ORDER_WINDOW_MS), never ahead of the
 * head, whose handoff may be under way. So arrival order holds although joins land in the
 * order their writes win, not the order their callers asked.
 */
export function joinPosition(queue: readonly QueueEntry[], askedAt: number): number {
  let position = queue.length;
  while (position > 1) {
    const ahead = (queue[position - 1] as QueueEntry).enqueuedAt;
    if (!(ahead > askedAt && ahead - askedAt <= JOIN_ORDER_WINDOW_MS)) break;
    position--;
  }
  return position;
}

/**
 * Plans one acquire step on a record from which expired entries are already pruned.
 * `pruned` says whether pruning changed the record (then it is worth writing anyway);
 * `heartbeat` marks a step's first attempt: it bumps the waiter's beat, and only it may join.
 */
export function planAcquire(
  record: LockRecord,
  request: AcquireRequest,
  wallNow: number,
  options: { pruned: boolean; heartbeat: boolean },
): AcquirePlan {
  const holding = holderOf(record, request.id);
  if (holding) return { kind: "held", holder: holding };

  const index = queuePositionOf(record, request.id);
  const limit = request.limit ?? 1;
  const agreed = agreedLimit(record);
  // A waiter already in the queue agreed when it joined; a newcomer must match.
  if (index === -1 && agreed !== undefined && agreed !== limit) {
    return { kind: "limit-mismatch", limit: agreed };
  }
  if (isGrantable(record, request.id, request.shared, limit)) {
    const token = record.token + 1;
    const holder = holderEntry(request, wallNow, token);
    // Most grants are of a free lock nobody waits for: nothing else to hand over.
    const alone = record.holders.length === 0 && record.queue.length === 0;
    const granted: LockRecord = {
      name: record.name,
      token,
      holders: alone ? [holder] : [...record.holders, holder],
      queue: alone ? record.queue : record.queue.filter((q) => q.id !== request.id),
    };
    // Shared waiters right behind a shared grant come in with it.
    return { kind: "grant", holder, record: alone ? granted : handOver(granted, wallNow) };
  }
  if (request.nonBlocking) return { kind: "busy" };

  if (index === -1) {
    // Only a step's first attempt joins. A later one finding its place gone (abandoned by its
    // owner, or expired) must not put it back: the owner may have given up meanwhile.
    if (!options.heartbeat)
      return waiting(record, request.id, options.pruned ? record : null, wallNow);
    const askedAt = request.askedAt ?? wallNow;
    const entry: QueueEntry = { ...leaseFields(request, wallNow), enqueuedAt: askedAt };
    const queue = [...record.queue];
    queue.splice(joinPosition(record.queue, askedAt), 0, entry);
    // A join placed ahead of later askers waits for its grant in a write of its own: a grant
    // goes only to a place others could already see, ahead of no waiter that was there first.
    return waiting(record, request.id, { ...record, queue }, wallNow, request.id);
  }
  if (options.heartbeat) {
    const queue = record.queue.map((q) => (q.id === request.id ? beat(q, wallNow) : q));
    return waiting(record, request.id, { ...record, queue }, wallNow);
  }
  return waiting(record, request.id, options.pruned ? record : null, wallNow);
}

/**
 * A "wait" plan. A record worth writing anyway (pruned of an expired holder, say) first hands
 * the lock to whoever's turn it now is, in the same write.
 */
function waiting(
  record: LockRecord,
  id: string,
  write: LockRecord | null,
  wallNow: number,
  joining?: string,
): AcquirePlan {
  const next = write === null ? null : handOver(write, wallNow, joining);
  return { kind: "wait", position: queuePositionOf(next ?? record, id), record: next };
}

/**
 * Direct handoff: the record with the lock given to the head of the queue, as far as it is
 * grantable now (the exclusive head, the run of shared waiters at the head, or a semaphore's
 * waiters up to its limit), each with a
 * fresh token. The new holders learn of it from the change they observe, without a write of
 * their own: a handoff costs one write. Each keeps its queue entry's beat and renewal stamp, so
 * it can tell which of its heartbeats was the last one others saw (its lease counts from the
 * send time of that heartbeat, no later than anyone could have started counting it). Callers
 * prune expired entries first, so a waiter whose place had lapsed is never handed the lock.
 * `joining`: the id of a waiter this very write puts in the queue; the handoff stops there.
 */
export function handOver(record: LockRecord, wallNow: number, joining?: string): LockRecord {
  if (record.queue.length === 0) return record;
  let { token } = record;
  const holders = [...record.holders];
  const limit = limitOf(record);
  let granted = 0;
  for (const waiter of record.queue) {
    if (waiter.id === joining) break;
    if (!waiter.shared ? holders.length >= limit : holders.some((h) => !h.shared)) break;
    token += 1;
    const { enqueuedAt: _, ...lease } = waiter;
    holders.push({ ...lease, token, acquiredAt: wallNow });
    granted += 1;
    if (!waiter.shared && limit === 1) break;
  }
  if (granted === 0) return record;
  return { ...record, token, holders, queue: record.queue.slice(granted) };
}

/** The record after a renewal of `id`, or null when `id` holds nothing (the lease is lost). */
export function planRenew(record: LockRecord, id: string, wallNow: number): LockRecord | null {
  if (!record.holders.some((h) => h.id === id)) return null;
  return { ...record, holders: record.holders.map((h) => (h.id === id ? beat(h, wallNow) : h)) };
}

/** The record with the holder `id`'s value replaced (and renewed), or null when `id` holds nothing. */
export function planSetValue(
  record: LockRecord,
  id: string,
  value: JsonValue | undefined,
  wallNow: number,
): LockRecord | null {
  if (!record.holders.some((h) => h.id === id)) return null;
  const holders = record.holders.map((h) => {
    if (h.id !== id) return h;
    const { value: _, ...rest } = beat(h, wallNow);
    return value === undefined ? rest : { ...rest, value };
  });
  return { ...record, holders };
}

/**
 * The record without any trace of `id` (holder or waiter), and the lock handed to whoever's turn
 * it then is (a release is also the next grant); null when `id` is not in the record.
 */
export function planRemove(record: LockRecord, id: string, wallNow: number): LockRecord | null {
  // The common release: the only holder, nobody waiting.
  if (record.queue.length === 0 && record.holders.length === 1) {
    if (record.holders[0]?.id !== id) return null;
    return emptyRecord(record.name, record.token);
  }
  const holders = record.holders.filter((h) => h.id !== id);
  const queue = record.queue.filter((q) => q.id !== id);
  if (holders.length === record.holders.length && queue.length === record.queue.length) {
    return null;
  }
  return handOver({ ...record, holders, queue }, wallNow);
}

/** The record without the entries `isExpired` rejects; `changed` says whether any went. */
export function pruneExpired(
  record: LockRecord,
  isExpired: (role: "holder" | "queue", entry: LeaseEntry) => boolean,
): { record: LockRecord; changed: boolean } {
  const holders = record.holders.filter((h) => !isExpired("holder", h));
  const queue = record.queue.filter((q) => !isExpired("queue", q));
  const changed = holders.length !== record.holders.length || queue.length !== record.queue.length;
  return { record: changed ? { ...record, holders, queue } : record, changed };
}

/** A holder entry in one literal, optional fields last: spreads cost a tenth of a grant. */
function holderEntry(request: AcquireRequest, wallNow: number, token: number): HolderEntry {
  const entry: { -readonly [K in keyof HolderEntry]: HolderEntry[K] } = {
    id: request.id,
    shared: request.shared,
    ttl: request.ttl,
    beat: 0,
    renewedAt: wallNow,
    token,
    acquiredAt: wallNow,
  };
  if (request.acquirerId !== undefined) entry.acquirerId = request.acquirerId;
  if (request.value !== undefined) entry.value = request.value;
  if (request.limit !== undefined && request.limit !== 1) entry.limit = request.limit;
  return entry;
}

function leaseFields(request: AcquireRequest, wallNow: number): LeaseEntry {
  return {
    id: request.id,
    shared: request.shared,
    ttl: request.ttl,
    beat: 0,
    renewedAt: wallNow,
    ...(request.acquirerId === undefined ? {} : { acquirerId: request.acquirerId }),
    ...(request.value === undefined ? {} : { value: request.value }),
    ...(request.limit === undefined || request.limit === 1 ? {} : { limit: request.limit }),
  };
}

function beat<T extends LeaseEntry>(entry: T, wallNow: number): T {
  return { ...entry, beat: entry.beat + 1, renewedAt: wallNow };
}
