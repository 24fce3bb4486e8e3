import type { ChildProcess } from "node:child_process";
import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { BenchRow } from "./bench-report.ts";
import { overlapsIn } from "./critical-section-log.ts";
import { arrivalOrderKept, type ContentionResult, type GrantTiming } from "./lock-bench.ts";
import { workerMain } from "./worker-main.ts";
import { finished, startWorker, type WorkerOptions } from "./worker-process.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A time every process of this host reads alike, in ms (sub-millisecond). */
const hostNow = () => performance.timeOrigin + performance.now();

/**
 * A contender process's body: prints "ready", waits for the start time to appear in `goFile`
 * (when every contender is ready), then for `durationMs` takes the lock, logs enter and leave
 * for the overlap check, holds `holdMs`, releases; then prints its grants (asked, granted) as
 * one JSON line. Args: log file, go file, durationMs, holdMs.
 */
export async function contentionWorkerMain(
  acquire: () => Promise<{ readonly fencingToken?: number; release(): Promise<void> }>,
  close: () => Promise<void>,
  args: string[],
): Promise<never> {
  const [logFile = "", goFile = "", durationMs = "2000", holdMs = "1"] = args;
  return workerMain(async () => {
    const grants: GrantTiming[] = [];
    process.stdout.write("ready\n");
    let startAt = Number.NaN;
    while (Number.isNaN(startAt)) {
      try {
        startAt = Number(readFileSync(goFile, "utf8"));
      } catch {
        await sleep(5);
      }
    }
    await sleep(Math.max(0, startAt - hostNow()));
    const deadline = startAt + Number(durationMs);
    for (let first = true; hostNow() < deadline; first = false) {
      const asked = hostNow();
      const lock = await acquire();
      const granted = hostNow();
      appendFileSync(logFile, `enter ${process.pid} x ${lock.fencingToken ?? 0}\n`);
      grants.push({ asked, granted, first });
      await sleep(Number(holdMs));
      appendFileSync(logFile, `leave ${process.pid} x ${lock.fencingToken ?? 0}\n`);
      await lock.release();
    }
    process.stdout.write(`${JSON.stringify(grants)}\n`);
  }, close);
}

/**
 * `processes` Node processes running `worker` (whose body is contentionWorkerMain) on one lock,
 * each with `args` before the contention's own, measured as the in-process bench measures:
 * grants per second until the last grant, longest wait, arrival order. Throws if the log shows
 * two holders at once. BENCH_QUICK=1: one second.
 */
export async function contendAcrossProcesses(o: {
  readonly worker: string;
  readonly args: readonly string[];
  readonly options: WorkerOptions;
  readonly processes?: number;
  readonly durationMs: number;
  readonly holdMs?: number;
}): Promise<ContentionResult> {
  const processes = o.processes ?? 8;
  const durationMs = process.env.BENCH_QUICK === "1" ? 1_000 : o.durationMs;
  const dir = mkdtempSync(join(tmpdir(), "lockgate-contention-"));
  try {
    const logFile = join(dir, "sections.log");
    const goFile = join(dir, "go");
    writeFileSync(logFile, "");
    const args = [...o.args, logFile, goFile, String(durationMs), String(o.holdMs ?? 1)];
    const children: ChildProcess[] = Array.from({ length: processes }, () =>
      startWorker("node", o.worker, args, o.options),
    );
    const done = Promise.all(children.map((child) => finished(child)));
    // Every contender started (and connected) before the first request: a start time for all.
    let ready = 0;
    await new Promise<void>((resolve) => {
      for (const child of children) {
        child.stdout?.on("data", (chunk: Buffer) => {
          if (chunk.toString().includes("ready") && ++ready === processes) resolve();
        });
        child.on("exit", () => resolve());
      }
    });
    const startAt = hostNow() + 200;
    writeFileSync(`${goFile}.tmp`, String(startAt));
    renameSync(`${goFile}.tmp`, goFile);
    const results = await done;
    const grants: GrantTiming[] = [];
    for (const r of results) {
      if (r.code !== 0) throw new Error(`a contender failed: ${r.stderr}`);
      grants.push(...(JSON.parse(r.stdout.trim().split("\n").pop() ?? "[]") as GrantTiming[]));
    }
    const { problems } = overlapsIn(logFile);
    if (problems.length > 0) throw new Error(`two contenders held the lock at once: ${problems}`);
    const last = Math.max(startAt, ...grants.map((g) => g.granted));
    return {
      contenders: processes,
      grants: grants.length,
      opsPerSecond: (grants.length / Math.max(1, last - startAt)) * 1000,
      longestWaitMs: Math.max(0, ...grants.map((g) => g.granted - g.asked)),
      inArrivalOrder: arrivalOrderKept(grants),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The three rows of a cross-process run, for a suite's table. */
export function processContentionRows(
  suite: string,
  label: string,
  result: ContentionResult,
  peer?: { readonly label: string; readonly result: ContentionResult },
): BenchRow[] {
  const n = result.contenders;
  const row = (
    measure: string,
    unit: "ops/s" | "ms" | "%",
    of: (r: ContentionResult) => number,
  ): BenchRow => ({
    suite,
    measure: `${n} processes holding 1 ms, ${measure}`,
    unit,
    ours: { label, value: of(result) },
    ...(peer ? { peer: { label: peer.label, value: of(peer.result) } } : {}),
  });
  return [
    row("throughput", "ops/s", (r) => r.opsPerSecond),
    row("longest wait", "ms", (r) => r.longestWaitMs),
    row("grants in arrival order", "%", (r) => r.inArrivalOrder * 100),
  ];
}
