import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runChaosCase, startWorker } from "@lockgate/process-harness";
import { expect, it } from "vitest";

// Bounded chaos: 4 FileLocker processes for 20 s while holders are SIGSTOPped past their lease
// (1 s) and workers are SIGKILLed and replaced (some holding a key's writer lock, whose 2 s stale
// period then bounds the stall). Longer runs: LOCKGATE_CHAOS_MS=300000.
const durationMs = Number(process.env.LOCKGATE_CHAOS_MS ?? 20_000);

it(
  `chaos: kills and pauses for ${durationMs / 1000} s, mutual exclusion among live holders, fencing stops paused ones`,
  async () => {
    const locks = mkdtempSync(join(tmpdir(), "lockgate-file-chaos-"));
    const worker = join(import.meta.dirname, "test-workers", "chaos-worker.ts");
    try {
      const { run, report } = await runChaosCase({
        label: "file",
        start: (_, chaosArgs) =>
          startWorker("node", worker, [locks, ...chaosArgs], {
            cwd: join(import.meta.dirname, ".."),
          }),
        workers: 4,
        durationMs,
        faultEveryMs: 1_500,
        pauseMs: 2_500,
        starvationBoundMs: 15_000,
      });
      expect(run.stderr).toEqual([]);
      expect(run.exits.every((code) => code === 0)).toBe(true);
      expect(report.problems).toEqual([]);
      expect(report.sections).toBeGreaterThan(20);
      expect(run.faults.pause + run.faults.kill).toBeGreaterThan(3);
    } finally {
      rmSync(locks, { recursive: true, force: true });
    }
  },
  durationMs + 60_000,
);
