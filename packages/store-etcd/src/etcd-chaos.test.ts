import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  checkChaosLog,
  EtcdServer,
  runChaos,
  startFencedResource,
  startWorker,
} from "@lockgate/process-harness";
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
    const dir = mkdtempSync(join(tmpdir(), "lockgate-etcd-chaos-"));
    const logFile = join(dir, "chaos.log");
    writeFileSync(logFile, "");
    const resource = await startFencedResource(logFile);
    const worker = join(import.meta.dirname, "test-support", "etcd-chaos-worker.ts");
    try {
      const run = await runChaos({
        start: () =>
          startWorker("node", worker, [etcd.endpoint, resource.url, logFile, String(durationMs)], {
            cwd: join(import.meta.dirname, ".."),
          }),
        workers: 4,
        logFile,
        durationMs,
        faultEveryMs: 1_500,
        pauseMs: 3_000,
        restartStore: async () => {
          await etcd.kill();
          await new Promise((resolve) => setTimeout(resolve, 500));
          await etcd.start();
        },
      });
      expect(run.stderr).toEqual([]);
      expect(run.exits.every((code) => code === 0)).toBe(true);
      // A waiter may wait out an etcd outage and a paused holder's lease: bound 20 s.
      const report = checkChaosLog(logFile, 20_000);
      console.log(
        `etcd chaos: ${JSON.stringify({ ...report, problems: report.problems.length, faults: run.faults, accepted: resource.accepted })}`,
      );
      expect(report.problems).toEqual([]);
      expect(report.sections).toBeGreaterThan(20);
    } finally {
      await resource.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
  // Replacement workers run their full duration from when they start: up to twice the run.
  2 * durationMs + 60_000,
);
