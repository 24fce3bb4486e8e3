import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { type ChaosReport, checkChaosLog } from "./chaos-checker.ts";
import { type ChaosOptions, type ChaosRun, runChaos } from "./chaos-controller.ts";
import { startFencedResource } from "./fenced-resource.ts";

export interface ChaosCaseOptions extends Omit<ChaosOptions, "start" | "logFile"> {
  /** Names the run in its summary line. */
  readonly label: string;
  /** Starts worker `i` with `chaosArgs` last on its command line, for `chaosWorkerMain`. */
  readonly start: (i: number, chaosArgs: string[]) => ChildProcess;
  /** The longest wait the checker allows, in ms, paused time left out. */
  readonly starvationBoundMs: number;
  /** A semaphore's permits: how many unpaused holders may be inside at once. Default 1. */
  readonly limit?: number;
}

export interface ChaosCase {
  readonly run: ChaosRun;
  readonly report: ChaosReport;
}

/**
 * One chaos run end to end: a fresh log and fenced resource, the workers under faults until one
 * common end time, the checker's report, and a summary line; the caller asserts on the result.
 * The log is kept (its path printed) when the checker found problems or LOCKGATE_CHAOS_KEEP_LOG=1.
 */
export async function runChaosCase(o: ChaosCaseOptions): Promise<ChaosCase> {
  const { label, start, starvationBoundMs, limit, ...chaos } = o;
  const dir = mkdtempSync(join(tmpdir(), "lockgate-chaos-"));
  const logFile = join(dir, "chaos.log");
  writeFileSync(logFile, "");
  const resource = await startFencedResource(logFile);
  const endAt = Date.now() + o.durationMs;
  let keep = process.env.LOCKGATE_CHAOS_KEEP_LOG === "1";
  try {
    const run = await runChaos({
      ...chaos,
      logFile,
      start: (i) => start(i, [resource.url, logFile, String(endAt)]),
    });
    const report = checkChaosLog(logFile, starvationBoundMs, limit);
    const summary = { ...report, problems: report.problems.length, faults: run.faults };
    console.log(`${label} chaos: ${JSON.stringify({ ...summary, accepted: resource.accepted })}`);
    // A failed run's log is the only account of what happened: keep it.
    keep ||= report.problems.length > 0;
    return { run, report };
  } finally {
    await resource.close();
    if (keep) console.log(`${label} chaos: log kept at ${logFile}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
