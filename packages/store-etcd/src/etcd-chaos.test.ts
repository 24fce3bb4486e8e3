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
      args: [etcd.endpoint],
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
