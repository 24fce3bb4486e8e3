import { type BenchRow, printBenchRows } from "./bench-report.ts";
import { percentile } from "./bench-samples.ts";
import {
  type BenchSubject,
  benchLocks,
  type ContentionResult,
  defaultLockBenchPlan,
  type LockBenchPlan,
  type SubjectResult,
} from "./lock-bench.ts";

/** NaN for no samples, so a measure a subject did not run drops out of its rows. */
const mean = (xs: readonly number[]) =>
  xs.length === 0 ? Number.NaN : xs.reduce((x, y) => x + y, 0) / xs.length;
/**
 * A rate over rounds: their median, so that one round a stall of this shared machine hit (a
 * GC, another process) does not move the figure; with two rounds, their mean.
 */
const median = (xs: readonly number[]) => {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((x, y) => x - y);
  const mid = sorted.length / 2;
  return Number.isInteger(mid)
    ? ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
    : (sorted[Math.floor(mid)] as number);
};

interface Figure {
  readonly measure: string;
  readonly unit: BenchRow["unit"];
  of(r: SubjectResult): number;
}

/** The suite's rows: lockgate's figure beside each peer's, for every measure both ran. */
export function lockBenchRows(
  suite: string,
  ours: SubjectResult,
  peers: readonly SubjectResult[],
): BenchRow[] {
  const counts = [...new Set(ours.contention.map((c) => c.contenders))];
  const biggest = Math.max(0, ...counts);
  const at = (r: SubjectResult, n: number, of: (c: ContentionResult) => number) =>
    r.contention.filter((c) => c.contenders === n).map(of);
  const quantiles = (what: string, samples: (r: SubjectResult) => number[]): Figure[] =>
    [0.5, 0.99].map((q) => ({
      measure: `${what}, p${q * 100}`,
      unit: "ms",
      of: (r) => percentile(samples(r), q),
    }));
  const figures: Figure[] = [
    { measure: "uncontended acquire+release", unit: "ops/s", of: (r) => median(r.uncontendedOps) },
    ...quantiles("uncontended acquire+release", (r) => r.uncontended),
    ...quantiles("handoff to the next holder", (r) => r.handoffs),
    { measure: "handoff to the next holder, max", unit: "ms", of: (r) => Math.max(...r.handoffs) },
    ...counts.map(
      (n): Figure => ({
        measure: `${n} contenders holding 1 ms, throughput`,
        unit: "ops/s",
        of: (r) => median(at(r, n, (c) => c.opsPerSecond)),
      }),
    ),
    {
      measure: `${biggest} contenders, longest wait`,
      unit: "ms",
      of: (r) => Math.max(...at(r, biggest, (c) => c.longestWaitMs)),
    },
    {
      measure: `${biggest} contenders, grants in arrival order`,
      unit: "%",
      of: (r) => 100 * mean(at(r, biggest, (c) => c.inArrivalOrder)),
    },
  ];
  const rows: BenchRow[] = [];
  for (const f of figures) {
    if (!Number.isFinite(f.of(ours))) continue;
    const side = (r: SubjectResult) => ({ label: r.label, value: f.of(r) });
    const compared = peers.filter((p) => Number.isFinite(f.of(p)));
    if (compared.length === 0)
      rows.push({ suite, measure: f.measure, unit: f.unit, ours: side(ours) });
    for (const p of compared)
      rows.push({ suite, measure: f.measure, unit: f.unit, ours: side(ours), peer: side(p) });
  }
  return rows;
}

export interface LockBenchSuite {
  readonly suite: string;
  readonly ours: BenchSubject;
  readonly peers: readonly BenchSubject[];
  readonly plan?: LockBenchPlan;
  /** Where it ran (store, runtime), printed under the machine line. */
  readonly setting: string;
}

/** Benchmarks a suite side by side, prints its table and returns its rows for `reportBench`. */
export async function runLockBenchSuite(suite: LockBenchSuite): Promise<BenchRow[]> {
  const [ours, ...peers] = await benchLocks(
    [suite.ours, ...suite.peers],
    suite.plan ?? defaultLockBenchPlan(),
  );
  const rows = lockBenchRows(suite.suite, ours as SubjectResult, peers);
  printBenchRows(rows, suite.setting);
  return rows;
}
