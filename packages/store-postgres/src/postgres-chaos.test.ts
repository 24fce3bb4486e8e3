import { join } from "node:path";
import { PostgresServer, storeChaosCase } from "@lockgate/process-harness";
import { afterAll, beforeAll, expect, it } from "vitest";

// Bounded chaos: 4 PostgresLocker processes for 20 s while holders are SIGSTOPped past their
// lease (1.5 s), workers are SIGKILLed and replaced, and PostgreSQL itself is shut down
// immediately (as in a crash: every connection cut, crash recovery at the next start) and started
// again on its data. Longer runs: LOCKGATE_CHAOS_MS=300000.
const durationMs = Number(process.env.LOCKGATE_CHAOS_MS ?? 20_000);
const postgres = new PostgresServer();
beforeAll(() => postgres.start(), 60_000);
afterAll(() => postgres.stop());

it(
  `chaos with PostgreSQL crashes for ${durationMs / 1000} s: mutual exclusion among live holders, fencing stops paused ones`,
  async () => {
    const { run, report } = await storeChaosCase({
      label: "postgres",
      worker: join(import.meta.dirname, "test-support", "postgres-chaos-worker.ts"),
      cwd: join(import.meta.dirname, ".."),
      env: { LOCKGATE_TEST_PG: JSON.stringify(postgres.connection) },
      durationMs,
      restartStore: async () => {
        await postgres.crash();
        await new Promise((resolve) => setTimeout(resolve, 500));
        await postgres.start(); // on its data
      },
    });
    expect(run.stderr).toEqual([]);
    expect(run.exits.every((code) => code === 0)).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.sections).toBeGreaterThan(20);
  },
  durationMs + 90_000,
);
