import { join } from "node:path";
import { RedisServer, storeChaosCase } from "@lockgate/process-harness";
import { afterAll, beforeAll, expect, it } from "vitest";

// Bounded chaos: 4 RedisLocker processes for 20 s while holders are SIGSTOPped past their lease
// (1.5 s), workers are SIGKILLed and replaced, and redis-server itself is SIGKILLed and started
// again empty (no persistence): every record is gone, and fencing tokens must still increase.
// Longer runs: LOCKGATE_CHAOS_MS=300000.
const durationMs = Number(process.env.LOCKGATE_CHAOS_MS ?? 20_000);
const redis = new RedisServer();
beforeAll(() => redis.start(), 30_000);
afterAll(() => redis.stop());

it(
  `chaos with redis-server restarts that lose every key, for ${durationMs / 1000} s: mutual exclusion among live holders, fencing stops paused ones`,
  async () => {
    const { run, report } = await storeChaosCase({
      label: "redis",
      worker: join(import.meta.dirname, "test-support", "redis-chaos-worker.ts"),
      args: [redis.url],
      cwd: join(import.meta.dirname, ".."),
      durationMs,
      restartStore: async () => {
        await redis.kill();
        await new Promise((resolve) => setTimeout(resolve, 500));
        await redis.start(); // empty
      },
    });
    expect(run.stderr).toEqual([]);
    expect(run.exits.every((code) => code === 0)).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.sections).toBeGreaterThan(20);
  },
  durationMs + 90_000,
);
