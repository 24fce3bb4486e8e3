import { join } from "node:path";
import { EtcdServer, storeChaosCase } from "@lockgate/process-harness";
import { afterAll, beforeAll, expect, it } from "vitest";

// Bounded chaos: 4 EtcdLocker processes for 20 s while holders are SIGSTOPped past their lease
// (1.5 s), workers are SIGKILLed and replaced, and etcd itself is SIGKILLed and restarted on
// its data. Longer runs: LOCKGATE_CHAOS_MS=300000.
const durationMs = Number(process.env.LOCKGATE_CHAOS_MS ?? 20_000);
const etcd = new EtcdServer();
beforeAll(() => etcd.start(), 30_000);
afterAll(() => etcd.stop());

it(
  `chaos with etcd restarts for ${durationMs / 1000} s: mutual exclusion among live holders, fencing stops paused ones`,
  async () => {
    const { run, report } = await storeChaosCase({
      label: "etcd",
      worker: join(import.meta.dirname, "test-support", "etcd-chaos-worker.ts"),
      args: [etcd.endpoint, "lock"],
      cwd: join(import.meta.dirname, ".."),
      durationMs,
      restartStore: async () => {
        await etcd.kill();
        await new Promise((resolve) => setTimeout(resolve, 500));
        await etcd.start();
      },
    });
    expect(run.stderr).toEqual([]);
    expect(run.exits.every((code) => code === 0)).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.sections).toBeGreaterThan(20);
  },
  durationMs + 90_000,
);

// The same faults for a semaphore of 2 permits and for an election: never more than 2 unpaused
// permit holders, never two unpaused leaders, every leader's term fencing the resource.
const restartEtcd = async () => {
  await etcd.kill();
  await new Promise((resolve) => setTimeout(resolve, 500));
  await etcd.start();
};
it.each([
  ["semaphore:2", 2],
  ["election", 1],
] as const)(
  `chaos with etcd restarts for ${durationMs / 1000} s, %s: never more than the limit of unpaused holders`,
  async (mode, limit) => {
    const { run, report } = await storeChaosCase({
      label: `etcd ${mode}`,
      worker: join(import.meta.dirname, "test-support", "etcd-chaos-worker.ts"),
      args: [etcd.endpoint, mode],
      cwd: join(import.meta.dirname, ".."),
      durationMs,
      restartStore: restartEtcd,
      limit,
    });
    expect(run.stderr).toEqual([]);
    expect(run.exits.every((code) => code === 0)).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.sections).toBeGreaterThan(20);
  },
  durationMs + 90_000,
);
