import { describe, expect, it } from "vitest";
import type { AcquireRequest } from "./acquire-request.ts";
import {
  handOver,
  isGrantable,
  JOIN_ORDER_WINDOW_MS,
  joinPosition,
  planAcquire,
  planRemove,
  planRenew,
  pruneExpired,
} from "./grant-rules.ts";
import { emptyRecord, type HolderEntry, type LockRecord, type QueueEntry } from "./lock-record.ts";

const holder = (id: string, shared: boolean, token = 1): HolderEntry => ({
  id,
  shared,
  token,
  ttl: 1000,
  beat: 0,
  renewedAt: 0,
  acquiredAt: 0,
});
const waiter = (id: string, shared: boolean): QueueEntry => ({
  id,
  shared,
  ttl: 1000,
  beat: 0,
  renewedAt: 0,
  enqueuedAt: 0,
});
const rec = (holders: HolderEntry[], queue: QueueEntry[], token = 5): LockRecord => ({
  name: "n",
  token,
  holders,
  queue,
});
const req = (id: string, shared: boolean, nonBlocking = false): AcquireRequest => ({
  name: "n",
  id,
  shared,
  ttl: 1000,
  nonBlocking,
});

describe("isGrantable", () => {
  it.each([
    ["free lock, exclusive", rec([], []), "me", false, true],
    ["free lock, shared", rec([], []), "me", true, true],
    ["shared holder, shared newcomer", rec([holder("a", true)], []), "me", true, true],
    ["shared holder, exclusive newcomer", rec([holder("a", true)], []), "me", false, false],
    ["exclusive holder, shared newcomer", rec([holder("a", false)], []), "me", true, false],
    ["free, but someone queued ahead", rec([], [waiter("w", false)]), "me", false, false],
    [
      "free, I am first in the queue",
      rec([], [waiter("me", false), waiter("w", false)]),
      "me",
      false,
      true,
    ],
    [
      "free, I am second in the queue",
      rec([], [waiter("w", false), waiter("me", false)]),
      "me",
      false,
      false,
    ],
    [
      "shared holder, exclusive waiter ahead of a shared newcomer",
      rec([holder("a", true)], [waiter("x", false)]),
      "me",
      true,
      false,
    ],
    [
      "shared holder, shared waiters only ahead",
      rec([holder("a", true)], [waiter("s", true), waiter("me", true)]),
      "me",
      true,
      true,
    ],
    [
      "shared run after an exclusive waiter",
      rec([], [waiter("x", false), waiter("me", true)]),
      "me",
      true,
      false,
    ],
  ] as const)("%s", (_, record, id, shared, expected) => {
    expect(isGrantable(record, id, shared)).toBe(expected);
  });
});

describe("planAcquire", () => {
  it("grants with the next fencing token and leaves the queue", () => {
    const plan = planAcquire(rec([], [waiter("me", false)], 9), req("me", false), 123, {
      pruned: false,
      heartbeat: false,
    });
    expect(plan.kind).toBe("grant");
    if (plan.kind !== "grant") return;
    expect(plan.holder.token).toBe(10);
    expect(plan.record.token).toBe(10);
    expect(plan.record.queue).toEqual([]);
    expect(plan.record.holders.map((h) => h.id)).toEqual(["me"]);
    expect(plan.holder.acquiredAt).toBe(123);
  });

  it("queues a blocking request at the end, refuses a non-blocking one without writing", () => {
    const busy = rec([holder("a", false)], [waiter("w", false)]);
    const queued = planAcquire(busy, req("me", true), 1, { pruned: false, heartbeat: true });
    expect(queued).toMatchObject({ kind: "wait", position: 1 });
    if (queued.kind === "wait") expect(queued.record?.queue.map((q) => q.id)).toEqual(["w", "me"]);
    expect(
      planAcquire(busy, req("me", true, true), 1, { pruned: false, heartbeat: false }),
    ).toEqual({ kind: "busy" });
  });

  it("heartbeats a queued waiter only when asked, and writes a pruned record", () => {
    const busy = rec([holder("a", false)], [waiter("me", false)]);
    expect(planAcquire(busy, req("me", false), 1, { pruned: false, heartbeat: false })).toEqual({
      kind: "wait",
      position: 0,
      record: null,
    });
    const beat = planAcquire(busy, req("me", false), 50, { pruned: false, heartbeat: true });
    if (beat.kind !== "wait") throw new Error(beat.kind);
    expect(beat.record?.queue[0]).toMatchObject({ beat: 1, renewedAt: 50 });
    expect(
      planAcquire(busy, req("me", false), 1, { pruned: true, heartbeat: false }),
    ).toMatchObject({ record: busy });
  });

  it("only a step's first attempt joins the queue; a later one finding its place gone does not", () => {
    const busy = rec([holder("a", false)], []);
    expect(planAcquire(busy, req("me", false), 1, { pruned: false, heartbeat: false })).toEqual({
      kind: "wait",
      position: -1,
      record: null,
    });
    expect(
      planAcquire(busy, req("me", false), 1, { pruned: false, heartbeat: true }),
    ).toMatchObject({ kind: "wait", position: 0 });
  });

  it("recognises a grant that went through unseen", () => {
    const plan = planAcquire(rec([holder("me", false, 5)], []), req("me", false), 1, {
      pruned: false,
      heartbeat: false,
    });
    expect(plan).toMatchObject({ kind: "held", holder: { token: 5 } });
  });
});

describe("renew, remove, prune", () => {
  it("renew bumps only the holder's beat; a missing holder means the lease is lost", () => {
    const r = rec([holder("a", true), holder("b", true)], []);
    const next = planRenew(r, "b", 99);
    expect(next?.holders.map((h) => h.beat)).toEqual([0, 1]);
    expect(next?.holders[1]?.renewedAt).toBe(99);
    expect(planRenew(r, "zzz", 1)).toBeNull();
  });

  it("remove drops a holder or a waiter and keeps the fencing counter", () => {
    const r = rec([holder("a", false)], [waiter("w", true)], 8);
    expect(planRemove(r, "w", 50)).toEqual(rec([holder("a", false)], [], 8));
    expect(planRemove(r, "none", 50)).toBeNull();
    expect(planRemove(rec([holder("a", false)], [], 8), "a", 50)).toEqual({
      ...emptyRecord("n"),
      token: 8,
    });
  });

  it("a release hands the lock to the next waiter in the same write (direct handoff)", () => {
    const w = { ...waiter("w", false), beat: 4, renewedAt: 40, value: { job: 1 } };
    const r = rec([holder("a", false)], [w, waiter("x", false)], 8);
    expect(planRemove(r, "a", 50)).toEqual(
      rec(
        [
          {
            id: "w",
            shared: false,
            ttl: 1000,
            beat: 4, // the queue entry's beat and stamp: the new holder dates its lease by them
            renewedAt: 40,
            value: { job: 1 },
            token: 9,
            acquiredAt: 50,
          },
        ],
        [waiter("x", false)],
        9,
      ),
    );
  });

  it("handOver grants the run of shared waiters at the head, up to an exclusive one", () => {
    const r = rec(
      [],
      [waiter("s1", true), waiter("s2", true), waiter("x", false), waiter("s3", true)],
    );
    const next = handOver(r, 7);
    expect(next.holders.map((h) => [h.id, h.token])).toEqual([
      ["s1", 6],
      ["s2", 7],
    ]);
    expect(next.queue.map((q) => q.id)).toEqual(["x", "s3"]);
    expect(next.token).toBe(7);
    // An exclusive holder: nobody is handed anything.
    const held = rec([holder("a", false)], [waiter("s1", true)]);
    expect(handOver(held, 7)).toBe(held);
    // Shared holders: shared heads join them; an exclusive head waits.
    expect(handOver(rec([holder("r", true)], [waiter("s1", true)]), 7).holders).toHaveLength(2);
    expect(handOver(rec([holder("r", true)], [waiter("x", false)]), 7).queue).toHaveLength(1);
  });

  it("prune removes exactly the expired entries", () => {
    const r = rec(
      [holder("dead", true), holder("live", true)],
      [waiter("gone", false), waiter("here", false)],
    );
    const { record, changed } = pruneExpired(r, (_, e) => e.id === "dead" || e.id === "gone");
    expect(changed).toBe(true);
    expect(record.holders.map((h) => h.id)).toEqual(["live"]);
    expect(record.queue.map((q) => q.id)).toEqual(["here"]);
    expect(pruneExpired(r, () => false)).toEqual({ record: r, changed: false });
  });
});

describe("joinPosition: the queue in the order callers asked", () => {
  const at = (id: string, enqueuedAt: number): QueueEntry => ({ ...waiter(id, false), enqueuedAt });

  it("a join whose write landed late goes ahead of the tail that asked after it", () => {
    const queue = [at("head", 100), at("a", 200), at("b", 300), at("c", 400)];
    expect(joinPosition(queue, 250)).toBe(2);
    expect(joinPosition(queue, 500)).toBe(4);
    expect(joinPosition(queue, 400)).toBe(4); // a tie keeps the order writes landed in
  });

  it("never ahead of the head, whose handoff may be under way", () => {
    expect(joinPosition([at("head", 300), at("a", 400)], 100)).toBe(1);
    expect(joinPosition([at("head", 300)], 100)).toBe(1);
    expect(joinPosition([], 100)).toBe(0);
  });

  it("passes only waiters who asked at most the window after it, so a clock running behind gains at most that", () => {
    const queue = [at("head", 0), at("a", 1_000), at("b", 1_000 + JOIN_ORDER_WINDOW_MS + 1)];
    expect(joinPosition(queue, 1_000 - 1)).toBe(3); // b is beyond the window: stop there
    expect(joinPosition([at("head", 0), at("a", 500), at("b", 600)], 400)).toBe(1);
  });

  it("planAcquire records the ask time and inserts by it", () => {
    const record = rec([holder("h", false)], [at("w1", 100), at("w2", 300)]);
    const plan = planAcquire(record, { ...req("late", false), askedAt: 200 }, 900, {
      pruned: false,
      heartbeat: true,
    });
    expect(plan.kind).toBe("wait");
    if (plan.kind !== "wait" || !plan.record) throw new Error("expected a queue write");
    expect(plan.record.queue.map((q) => [q.id, q.enqueuedAt])).toEqual([
      ["w1", 100],
      ["late", 200],
      ["w2", 300],
    ]);
    expect(plan.position).toBe(1);
  });

  it("a shared join placed ahead of an exclusive waiter is not handed the lock in its own join write", () => {
    // The holder's lease lapsed (pruned): the join write hands the lock to the shared head only.
    // The newcomer asked before the exclusive tail, so it queues ahead of it; its grant comes
    // in its next write, from a place others could already see (found by the fault schedules).
    const record = rec([], [{ ...at("head", 100), shared: true }, at("x", 300)]);
    const plan = planAcquire(record, { ...req("s", true), askedAt: 200 }, 900, {
      pruned: true,
      heartbeat: true,
    });
    if (plan.kind !== "wait" || !plan.record) throw new Error("expected a queue write");
    expect(plan.record.holders.map((h) => h.id)).toEqual(["head"]);
    expect(plan.record.queue.map((q) => q.id)).toEqual(["s", "x"]);
    const next = planAcquire(plan.record, { ...req("s", true), askedAt: 200 }, 901, {
      pruned: false,
      heartbeat: false,
    });
    expect(next.kind).toBe("grant");
    if (next.kind !== "grant") return;
    expect(next.record.holders.map((h) => h.id)).toEqual(["head", "s"]);
    expect(next.record.queue.map((q) => q.id)).toEqual(["x"]);
  });
});

describe("semaphores (limit)", () => {
  const opts = { pruned: false, heartbeat: true };
  const sem = (id: string, limit: number, nonBlocking = false): AcquireRequest => ({
    ...req(id, false, nonBlocking),
    limit,
  });
  const permit = (id: string, limit: number, token: number): HolderEntry => ({
    ...holder(id, false, token),
    limit,
  });
  const queued = (id: string, limit: number): QueueEntry => ({ ...waiter(id, false), limit });

  it("grants up to the limit, each with its own token, then queues in arrival order", () => {
    let record = rec([], [], 0);
    const tokens: number[] = [];
    for (const id of ["a", "b", "c"]) {
      const plan = planAcquire(record, sem(id, 3), 0, opts);
      if (plan.kind !== "grant") throw new Error(plan.kind);
      tokens.push(plan.holder.token);
      record = plan.record;
    }
    expect(tokens).toEqual([1, 2, 3]);
    expect(record.holders.map((h) => h.limit)).toEqual([3, 3, 3]);
    const fourth = planAcquire(record, sem("d", 3), 0, opts);
    expect(fourth.kind).toBe("wait");
    expect(planAcquire(record, sem("e", 3, true), 0, opts).kind).toBe("busy");
  });

  it("a release hands its permit to the head of the queue, and only one permit per free slot", () => {
    const record = rec([permit("a", 2, 1), permit("b", 2, 2)], [queued("c", 2), queued("d", 2)], 2);
    const after = planRemove(record, "a", 0);
    expect(after?.holders.map((h) => [h.id, h.token])).toEqual([
      ["b", 2],
      ["c", 3],
    ]);
    expect(after?.queue.map((q) => q.id)).toEqual(["d"]);
    // Two leaving at once (expired) let two in, in order.
    const both = handOver(rec([], [queued("c", 2), queued("d", 2), queued("e", 2)], 2), 0);
    expect(both.holders.map((h) => [h.id, h.token])).toEqual([
      ["c", 3],
      ["d", 4],
    ]);
    expect(both.queue.map((q) => q.id)).toEqual(["e"]);
  });

  it("a newcomer whose limit differs from the agreed one is refused; an empty record takes any", () => {
    const record = rec([permit("a", 3, 1)], [], 1);
    expect(planAcquire(record, sem("b", 4), 0, opts)).toEqual({ kind: "limit-mismatch", limit: 3 });
    expect(planAcquire(record, req("b", false), 0, opts)).toEqual({
      kind: "limit-mismatch",
      limit: 3,
    });
    expect(planAcquire(record, req("b", true), 0, opts)).toEqual({
      kind: "limit-mismatch",
      limit: 3,
    });
    expect(planAcquire(rec([holder("x", false)], [], 1), sem("b", 2), 0, opts)).toEqual({
      kind: "limit-mismatch",
      limit: 1,
    });
    expect(planAcquire(rec([], [], 1), sem("b", 4), 0, opts).kind).toBe("grant");
  });
});
