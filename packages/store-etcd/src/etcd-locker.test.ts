import { join } from "node:path";
import { isLockgateError, type Lock } from "@lockgate/core";
import { EtcdServer, runCounterProcesses } from "@lockgate/process-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtcdLocker } from "./etcd-locker.ts";

const etcd = new EtcdServer();
beforeAll(() => etcd.start(), 30_000);
afterAll(() => etcd.stop());

describe("EtcdLocker on a real etcd", () => {
  it("4 processes x 200 read-modify-writes: exact count, never overlapping, tokens increasing", async () => {
    const report = await runCounterProcesses({
      worker: join(import.meta.dirname, "test-support", "etcd-worker.ts"),
      args: [etcd.endpoint, "mp/"],
      runtimes: ["node", "node", "node", "node"],
      iterations: 200,
      cwd: join(import.meta.dirname, ".."),
    });
    for (const r of report.results) expect(r.code, r.stderr).toBe(0);
    expect(report.count).toBe(report.expected);
    expect(report.problems).toEqual([]);
    expect(report.sections).toBe(report.expected);
    expect(report.tokensIncreasing).toBe(true);
  }, 120_000);

  it("etcd killed (SIGKILL) and restarted on its data: the holder is told, no two holders, waiters get the lock after", async () => {
    const ttl = 1_500;
    const options = { hosts: etcd.endpoint, prefix: "crash/", leaseTtl: ttl, callTimeout: 500 };
    const [holder, w1, w2] = [
      new EtcdLocker(options),
      new EtcdLocker(options),
      new EtcdLocker(options),
    ];
    const beliefs: { who: string; from: number; to: number }[] = [];
    const believe = (who: string, lock: Lock) => {
      const belief = { who, from: performance.now(), to: Number.POSITIVE_INFINITY };
      beliefs.push(belief);
      lock.signal.addEventListener("abort", () => {
        belief.to = Math.min(belief.to, performance.now());
      });
      return belief;
    };
    try {
      const held = await holder.acquire("job");
      believe("holder", held);
      const waiting = [w1, w2].map((w, i) =>
        w.acquire("job", { timeout: 60_000 }).then(async (lock) => {
          const belief = believe(`waiter ${i}`, lock);
          await new Promise((resolve) => setTimeout(resolve, 50));
          belief.to = performance.now();
          await lock.release();
          return lock;
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 300)); // both are queued
      await etcd.kill();
      const downAt = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 2_500)); // past the renew deadline (1 s)
      expect(held.signal.aborted).toBe(true);
      expect(isLockgateError(held.signal.reason, "lease-lost")).toBe(true);
      expect((beliefs[0]?.to ?? 0) - downAt).toBeLessThan(ttl); // told before the lease could end
      await etcd.start();
      const granted = await Promise.all(waiting);
      expect(granted.map((l) => l.fencingToken).every((t) => t > held.fencingToken)).toBe(true);
      for (const a of beliefs) {
        for (const b of beliefs) {
          if (a !== b && a.from < b.to && b.from < a.to)
            throw new Error(`${a.who} and ${b.who} held the lock at once`);
        }
      }
      await held.release(); // resolves: the lease was already lost
    } finally {
      await Promise.allSettled([holder.close(), w1.close(), w2.close()]);
    }
  }, 60_000);
});
