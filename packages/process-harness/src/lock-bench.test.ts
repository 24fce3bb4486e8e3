import { describe, expect, it } from "vitest";
import {
  arrivalOrderKept,
  type BenchClient,
  type BenchSubject,
  benchLocks,
  contend,
  lockBenchRows,
} from "./lock-bench.ts";

/** An in-process lock whose waiters are served first-in-first-out, or last-in-first-out. */
function queueLock(order: "fifo" | "lifo"): BenchSubject {
  const held = new Map<string, (() => void)[]>();
  return {
    label: order,
    client: (): BenchClient => ({
      acquire: async (name) => {
        const queue = held.get(name);
        if (!queue) held.set(name, []);
        else
          await new Promise<void>((resolve) =>
            order === "fifo" ? queue.push(resolve) : queue.unshift(resolve),
          );
        return {
          release: () => {
            const next = held.get(name)?.shift();
            if (next) next();
            else held.delete(name);
          },
        };
      },
    }),
  };
}

const plan = {
  rounds: 1,
  uncontended: 20,
  handoffs: 3,
  contenders: [2, 8],
  contendedMs: 60,
  holdMs: 1,
};

describe("lock bench", () => {
  it("measures every figure and finds arrival order kept by a FIFO lock, not by a LIFO one", async () => {
    const [fifo, lifo] = await benchLocks([queueLock("fifo"), queueLock("lifo")], plan);
    expect(fifo?.uncontended).toHaveLength(20);
    expect(fifo?.handoffs).toHaveLength(3);
    expect(fifo?.contention.map((c) => c.contenders)).toEqual([2, 8]);
    expect(fifo?.contention.every((c) => c.grants > 0 && c.opsPerSecond > 0)).toBe(true);
    expect(fifo?.contention.every((c) => c.inArrivalOrder === 1)).toBe(true);
    // With 8 contenders a LIFO lock serves the latest asker while older ones wait.
    expect(lifo?.contention.find((c) => c.contenders === 8)?.inArrivalOrder).toBeLessThan(0.9);
    const rows = lockBenchRows("test", fifo as never, [lifo as never]);
    expect(rows.map((r) => r.measure)).toContain("8 contenders, grants in arrival order");
    expect(rows.every((r) => r.peer?.label === "lifo")).toBe(true);
  });

  it("leaves out measures a subject does not run", async () => {
    const bare: BenchSubject = {
      label: "bare",
      measures: ["uncontended"],
      client: () => ({ acquire: async () => ({ release: () => {} }) }),
    };
    const [ours, peer] = await benchLocks([queueLock("fifo"), bare], plan);
    const rows = lockBenchRows("test", ours as never, [peer as never]);
    const compared = rows.filter((r) => r.peer).map((r) => r.measure);
    expect(compared).toEqual([
      "uncontended acquire+release",
      "uncontended acquire+release, p50",
      "uncontended acquire+release, p99",
    ]);
    expect(rows.some((r) => !r.peer && r.measure.startsWith("handoff"))).toBe(true);
  });

  it("throws when a lock lets two contenders in", async () => {
    const broken: BenchClient = { acquire: async () => ({ release: () => {} }) };
    await expect(contend([broken, broken], "x", 30, 2)).rejects.toThrow(/two contenders/);
  });

  it("counts a grant that overtook an earlier waiter", () => {
    expect(
      arrivalOrderKept([
        { asked: 0, granted: 5 },
        { asked: 1, granted: 6 },
      ]),
    ).toBe(1);
    expect(
      arrivalOrderKept([
        { asked: 0, granted: 6 },
        { asked: 1, granted: 5 },
      ]),
    ).toBe(0.5);
  });
});
