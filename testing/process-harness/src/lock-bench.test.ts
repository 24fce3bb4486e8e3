import { describe, expect, it } from "vitest";
import {
  arrivalOrderKept,
  type BenchClient,
  type BenchSubject,
  benchLocks,
  contend,
} from "./lock-bench.ts";
import { lockBenchRows } from "./lock-bench-suite.ts";

/** An in-process lock whose waiters are served first-in-first-out, or in random order. */
function queueLock(order: "fifo" | "random"): BenchSubject {
  const held = new Map<string, (() => void)[]>();
  return {
    label: order,
    client: (): BenchClient => ({
      acquire: async (name) => {
        const queue = held.get(name);
        if (!queue) held.set(name, []);
        else
          await new Promise<void>((resolve) =>
            order === "fifo"
              ? queue.push(resolve)
              : queue.splice(Math.floor(Math.random() * (queue.length + 1)), 0, resolve),
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
  it("measures every figure and finds arrival order kept by a FIFO lock, not by a random one", async () => {
    const [fifo, shuffled] = await benchLocks([queueLock("fifo"), queueLock("random")], {
      ...plan,
      contendedMs: 400,
    });
    expect(fifo?.uncontended).toHaveLength(20);
    expect(fifo?.handoffs).toHaveLength(3);
    expect(fifo?.contention.map((c) => c.contenders)).toEqual([2, 8]);
    expect(fifo?.contention.every((c) => c.grants > 0 && c.opsPerSecond > 0)).toBe(true);
    expect(fifo?.contention.every((c) => c.inArrivalOrder === 1)).toBe(true);
    // With 8 contenders a random pick often serves a later asker while older ones wait.
    const random8 = shuffled?.contention.find((c) => c.contenders === 8);
    expect(random8?.grants).toBeGreaterThan(40);
    expect(random8?.inArrivalOrder).toBeLessThan(0.8);
    const rows = lockBenchRows("test", fifo as never, [shuffled as never]);
    expect(rows.map((r) => r.measure)).toContain("8 contenders, grants in arrival order");
    expect(rows.every((r) => r.peer?.label === "random")).toBe(true);
  });

  it("warms each subject up, unmeasured, before the first round", async () => {
    const names: string[] = [];
    const counted: BenchSubject = {
      label: "counted",
      measures: ["uncontended"],
      client: () => ({
        acquire: async (name) => {
          names.push(name);
          return { release: () => {} };
        },
      }),
    };
    const [result] = await benchLocks([counted], { ...plan, rounds: 1, warmup: 7 });
    expect(names.filter((n) => n.endsWith("-warm"))).toHaveLength(7);
    expect(names.slice(0, 7).every((n) => n.endsWith("-warm"))).toBe(true);
    expect(result?.uncontended).toHaveLength(plan.uncontended);
  });

  it("gives a rate as the median of its rounds: one stalled round does not move it", () => {
    const result = (label: string, rates: number[]) => ({
      label,
      uncontended: [1],
      uncontendedOps: rates,
      handoffs: [],
      contention: rates.map((opsPerSecond) => ({
        contenders: 8,
        grants: 1,
        opsPerSecond,
        longestWaitMs: 1,
        inArrivalOrder: 1,
      })),
    });
    const rows = lockBenchRows("test", result("ours", [100, 10, 110]), [result("peer", [40, 60])]);
    const value = (measure: string) => rows.find((r) => r.measure === measure);
    expect(value("uncontended acquire+release")?.ours.value).toBe(100);
    expect(value("uncontended acquire+release")?.peer?.value).toBe(50);
    expect(value("8 contenders holding 1 ms, throughput")?.ours.value).toBe(100);
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
