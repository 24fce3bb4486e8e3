import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  checkChaosLog,
  runChaos,
  startFencedResource,
  startWorker,
} from "@lockgate/process-harness";
import { expect, it } from "vitest";

// Bounded chaos: 4 FileLocker processes for 20 s while holders are SIGSTOPped past their lease
// (1 s) and workers are SIGKILLed and replaced. Longer runs: LOCKGATE_CHAOS_MS=300000.
const durationMs = Number(process.env.LOCKGATE_CHAOS_MS ?? 20_000);

it(
  `chaos: kills and pauses for ${durationMs / 1000} s, mutual exclusion among live holders, fencing stops paused ones`,
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "lockgate-file-chaos-"));
    const logFile = join(dir, "chaos.log");
    writeFileSync(logFile, "");
    const resource = await startFencedResource(logFile);
    const worker = join(import.meta.dirname, "test-workers", "chaos-worker.ts");
    try {
      const run = await runChaos({
        start: () =>
          startWorker(
            "node",
            worker,
            [join(dir, "locks"), resource.url, logFile, String(durationMs)],
            { cwd: join(import.meta.dirname, "..") },
          ),
        workers: 4,
        logFile,
        durationMs,
        faultEveryMs: 1_500,
        pauseMs: 2_500,
      });
      expect(run.stderr).toEqual([]);
      expect(run.exits.every((code) => code === 0)).toBe(true);
      const report = checkChaosLog(logFile, 15_000);
      console.log(
        `file chaos: ${JSON.stringify({ ...report, problems: report.problems.length, faults: run.faults, accepted: resource.accepted })}`,
      );
      expect(report.problems).toEqual([]);
      expect(report.sections).toBeGreaterThan(20);
      expect(run.faults.pause + run.faults.kill).toBeGreaterThan(3);
    } finally {
      await resource.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
  // Replacement workers run their full duration from when they start: up to twice the run.
  2 * durationMs + 60_000,
);
