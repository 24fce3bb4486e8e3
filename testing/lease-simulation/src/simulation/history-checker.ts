import {
  JOIN_ORDER_WINDOW_MS,
  type LeaseEntry,
  type LockRecord,
  type QueueEntry,
} from "@lockgate/core";
import type { Commit } from "./recording-store.ts";

/** A holder's belief that it holds the lock, between two points of the global event order. */
export interface Belief {
  readonly participant: number;
  readonly shared: boolean;
  readonly token: number;
  readonly start: number;
  end: number | undefined;
}

export interface HistoryFacts {
  readonly commits: readonly Commit[];
  readonly beliefs: readonly Belief[];
  /** Global seq at which each lease/request id's owner asked to remove it (release, abandon). */
  readonly ownerRemovals: ReadonlyMap<string, number>;
  /** Fastest monotonic clock rate among participants: takeovers may come ttl/rate early in real time. */
  readonly maxRate: number;
  /** The semaphore's limit; 1 for a lock. */
  readonly limit: number;
}

/** Returns every violated invariant, in words. An empty list means the run was correct. */
export function checkHistory(facts: HistoryFacts): string[] {
  const problems: string[] = [];
  checkBeliefs(facts.beliefs, facts.limit, problems);
  checkCommits(facts, problems);
  return problems;
}

function checkBeliefs(beliefs: readonly Belief[], limit: number, problems: string[]): void {
  const ended = beliefs.map((b) => ({ ...b, end: b.end ?? Number.POSITIVE_INFINITY }));
  if (limit > 1) {
    // A semaphore: never more than `limit` beliefs at one point of the event order.
    const points = ended.flatMap((b) => [
      [b.start, 1],
      [b.end, -1],
    ]);
    points.sort(
      (x, y) => (x[0] as number) - (y[0] as number) || (x[1] as number) - (y[1] as number),
    );
    let inside = 0;
    for (const [at, step] of points) {
      inside += step as number;
      if (inside > limit) {
        problems.push(
          `${inside} participants believed they held a semaphore of limit ${limit} at ${at}`,
        );
        break;
      }
    }
  }
  for (let i = 0; i < ended.length; i++) {
    for (let j = i + 1; j < ended.length; j++) {
      const a = ended[i] as Belief & { end: number };
      const b = ended[j] as Belief & { end: number };
      const overlap = a.start < b.end && b.start < a.end;
      if (overlap && limit === 1 && !(a.shared && b.shared)) {
        problems.push(
          `participants ${a.participant} (token ${a.token}, ${a.shared ? "shared" : "exclusive"}) and ` +
            `${b.participant} (token ${b.token}, ${b.shared ? "shared" : "exclusive"}) believed they held the lock at once`,
        );
      }
      // Fencing as a guarded resource sees it: a later exclusive section carries a greater token.
      // Permits of a semaphore granted in one write may start in either order; their tokens
      // rise in grant order, which the commit check below holds them to.
      if (!overlap && limit === 1 && (!a.shared || !b.shared)) {
        const [first, second] = a.end <= b.start ? [a, b] : [b, a];
        if (second.token <= first.token) {
          problems.push(
            `token ${second.token} was granted after token ${first.token} had been held`,
          );
        }
      }
    }
  }
}

interface Sighting {
  beat: number;
  time: number;
}

function checkCommits(facts: HistoryFacts, problems: string[]): void {
  let maxToken = 0;
  const lastBeat = new Map<string, Sighting>();
  for (const commit of facts.commits) {
    const { before, after } = commit;
    const prev = before ?? emptyish();
    const next = after ?? emptyish();
    const where = `commit #${commit.seq} at t=${commit.time}`;

    // Record-level exclusion.
    const exclusive = next.holders.filter((h) => !h.shared).length;
    if (exclusive > facts.limit || (exclusive > 0 && next.holders.length > exclusive)) {
      problems.push(
        `${where}: record holds ${exclusive} exclusive among ${next.holders.length} holders`,
      );
    }
    if (next.token < prev.token)
      problems.push(`${where}: fencing counter went back from ${prev.token} to ${next.token}`);

    const prevHolderIds = new Set(prev.holders.map((h) => h.id));
    const nextHolderIds = new Set(next.holders.map((h) => h.id));
    // A queue place is its id and join time: a waiter that lost its place and joined again
    // under the same id is a removal followed by a newcomer.
    const place = (q: QueueEntry) => `${q.id}@${q.enqueuedAt}`;
    const nextPlaces = new Set(next.queue.map(place));

    // Grants: fresh tokens, and only to the one whose turn it was.
    for (const h of next.holders) {
      if (prevHolderIds.has(h.id)) continue;
      if (h.token <= maxToken)
        problems.push(`${where}: grant token ${h.token} is not above earlier token ${maxToken}`);
      maxToken = Math.max(maxToken, h.token);
      const index = prev.queue.findIndex((q) => q.id === h.id);
      const ahead = index === -1 ? prev.queue : prev.queue.slice(0, index);
      const stillWaitingAhead = ahead.filter((q) => nextPlaces.has(place(q)));
      if (!h.shared && stillWaitingAhead.length > 0) {
        problems.push(
          `${where}: exclusive ${h.id} was served ahead of ${stillWaitingAhead.length} earlier waiter(s)`,
        );
      }
      if (h.shared && stillWaitingAhead.some((q) => !q.shared)) {
        problems.push(`${where}: shared ${h.id} overtook an earlier exclusive waiter`);
      }
    }

    // Queue order: survivors keep their relative order; a newcomer joins behind every survivor
    // that asked before it, ahead only of survivors that asked after it (by at most the join
    // window), and never ahead of the previous head.
    const prevPlaces = new Set(prev.queue.map(place));
    const survivors = prev.queue.filter((q) => nextPlaces.has(place(q))).map(place);
    const nextOrder = next.queue.map(place);
    if (nextOrder.filter((p) => prevPlaces.has(p)).join() !== survivors.join()) {
      problems.push(`${where}: queue reordered from [${survivors}] to [${nextOrder}]`);
    }
    next.queue.forEach((q, i) => {
      if (prevPlaces.has(place(q))) return;
      for (const behind of next.queue.slice(i + 1)) {
        if (!prevPlaces.has(place(behind))) continue;
        const passed = behind.enqueuedAt - q.enqueuedAt;
        if (
          !(passed > 0 && passed <= JOIN_ORDER_WINDOW_MS) ||
          place(behind) === place(prev.queue[0] as QueueEntry)
        )
          problems.push(`${where}: newcomer ${place(q)} joined ahead of ${place(behind)}`);
      }
    });

    // Removals not asked for by the owner are takeovers: only after the entry's ttl.
    const removed: [string, LeaseEntry][] = [
      ...prev.holders
        .filter((h) => !nextHolderIds.has(h.id))
        .map((h) => [`holder:${h.id}`, h] as [string, LeaseEntry]),
      ...prev.queue
        .filter((q) => !nextPlaces.has(place(q)) && !nextHolderIds.has(q.id))
        .map((q) => [`queue:${place(q)}`, q] as [string, LeaseEntry]),
    ];
    for (const [lease, entry] of removed) {
      const askedAt = facts.ownerRemovals.get(entry.id);
      if (askedAt !== undefined && askedAt < commit.seq) continue;
      const seen = lastBeat.get(lease);
      const since = seen ? commit.time - seen.time : 0;
      if (since < entry.ttl / facts.maxRate - 1e-6) {
        problems.push(
          `${where}: ${entry.id} was taken over ${since} ms after its last renewal (ttl ${entry.ttl})`,
        );
      }
    }

    for (const [role, entries] of [
      ["holder", next.holders],
      ["queue", next.queue],
    ] as const) {
      for (const entry of entries) {
        const lease =
          role === "holder" ? `holder:${entry.id}` : `queue:${place(entry as QueueEntry)}`;
        const seen = lastBeat.get(lease);
        if (!seen || seen.beat !== entry.beat)
          lastBeat.set(lease, { beat: entry.beat, time: commit.time });
      }
    }
  }
}

function emptyish(): LockRecord {
  return { name: "", token: 0, holders: [], queue: [] };
}
