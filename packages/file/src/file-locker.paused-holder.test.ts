import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkBeliefLog, finished, pauseHolders, startWorker } from "@lockgate/process-harness";
import { expect, it } from "vitest";

// Four FileLocker holders, the current one SIGSTOPped for 3 s (past its 1.5 s lease) every 4 s,
// each checking every 5 ms while it holds. Resumed, a holder's first check runs before its
// lease timers do: `signal.aborted` may still say "held" though a later holder is in; `lock.held`
// must never say so.
it("after SIGSTOP past its lease, a holder's lock.held is never stale (signal.aborted can be)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lockgate-paused-"));
  const logFile = join(dir, "beliefs.log");
  writeFileSync(logFile, "");
  const durationMs = 14_000;
  const endAt = Date.now() + durationMs;
  const worker = join(import.meta.dirname, "test-workers", "belief-worker.ts");
  try {
    const children = [1, 2, 3, 4].map(() =>
      startWorker("node", worker, [join(dir, "locks"), logFile, String(endAt), "400"], {
        cwd: join(import.meta.dirname, ".."),
      }),
    );
    const done = Promise.all(children.map((child) => finished(child)));
    const pauses = await pauseHolders({
      children,
      logFile,
      everyMs: 1_000,
      pauseMs: 3_000,
      untilMs: performance.now() + durationMs - 1_000,
    });
    const results = await done;
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const report = checkBeliefLog(logFile);
    console.log(
      `paused holders (file): ${pauses} pauses, ${report.sections} sections, stale beliefs by signal ${report.staleBySignal}, by held ${report.staleByHeld}, losses caught by held ${report.caughtByHeld}`,
    );
    const said = JSON.stringify({ pauses, ...report });
    expect(pauses, said).toBeGreaterThanOrEqual(2);
    // The pauses did cost leases: others got the lock meanwhile, and the sleepers found out.
    expect(report.caughtByHeld, said).toBeGreaterThanOrEqual(1);
    expect(report.staleByHeld, said).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
