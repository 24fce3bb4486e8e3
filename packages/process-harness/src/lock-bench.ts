import { type BenchRow, printBenchRows } from "./bench-report.ts";
import { handoffSamples, percentile } from "./bench-samples.ts";

/** What every benchmarked lock hands back: something to release. */
export interface BenchLock {
  release(): unknown;
}

/** One client of a lock: as one process or component would hold it. */
export interface BenchClient {
  acquire(name: string): Promise<BenchLock>;
  close?(): unknown;
}

export type BenchMeasure = "uncontended" | "handoff" | "contention";

/** A lock under benchmark: lockgate's, or the peer a user would pick instead. */
export interface BenchSubject {
  readonly label: string;
  /** A fresh client; contention uses one per contender. */
  client(): BenchClient | Promise<BenchClient>;
  /** Which measures apply (a bare endpoint is no lock: uncontended only). Default: all. */
  readonly measures?: readonly BenchMeasure[];
  /** Fewer handoffs for a slow peer (a 2 s poller). Default: the plan's. */
  readonly handoffs?: number;
}

export interface LockBenchPlan {
  /** Interleaved rounds: every subject runs once per round, so drift hits all alike. */
  readonly rounds: number;
  readonly uncontended: number;
  readonly handoffs: number;
  /** Contender counts for the contended measures, e.g. [2, 8, 32]. */
  readonly contenders: readonly number[];
  /** How long each contended run takes new requests, in ms. */
  readonly contendedMs: number;
  /** How long each contender holds the lock, in ms. */
  readonly holdMs: number;
}

export interface ContentionResult {
  readonly contenders: number;
  readonly grants: number;
  readonly opsPerSecond: number;
  /** Longest time from asking to holding, in ms. */
  readonly longestWaitMs: number;
  /** Share of grants that overtook no earlier, still-waiting request (1 = arrival order kept). */
  readonly inArrivalOrder: number;
}

export interface SubjectResult {
  readonly label: string;
  /** acquire+release times, ms. */
  readonly uncontended: number[];
  /** acquire+release cycles per second, one per round. */
  readonly uncontendedOps: number[];
  /** release to the next holder, ms. */
  readonly handoffs: number[];
  /** One per round and contender count. */
  readonly contention: ContentionResult[];
}

/** A grant as a contender saw it: when it asked and when it got the lock. */
export interface GrantTiming {
  readonly asked: number;
  readonly granted: number;
  /** A contender's first request: they all ask at one instant, so their order is a tie. */
  readonly first?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs every subject through the plan, side by side: round by round, each subject in turn on
 * its own lock names. Throws if any lock let two contenders in at once.
 */
export async function benchLocks(
  subjects: readonly BenchSubject[],
  plan: LockBenchPlan,
): Promise<SubjectResult[]> {
  const results = subjects.map((s) => ({
    label: s.label,
    uncontended: [] as number[],
    uncontendedOps: [] as number[],
    handoffs: [] as number[],
    contention: [] as ContentionResult[],
  }));
  for (let round = 0; round < plan.rounds; round++) {
    for (const [i, subject] of subjects.entries()) {
      const out = results[i] as (typeof results)[number];
      const has = (m: BenchMeasure) => !subject.measures || subject.measures.includes(m);
      const name = (what: string) => `bench-${i}-${round}-${what}`;
      const needed = Math.max(
        1,
        has("handoff") ? 2 : 1,
        ...(has("contention") ? plan.contenders : []),
      );
      const clients = await Promise.all(Array.from({ length: needed }, () => subject.client()));
      const [a, b] = clients as [BenchClient, BenchClient];
      try {
        if (has("uncontended")) {
          const started = performance.now();
          for (let n = 0; n < plan.uncontended; n++) {
            const t = performance.now();
            await (await a.acquire(name("u"))).release();
            out.uncontended.push(performance.now() - t);
          }
          out.uncontendedOps.push(plan.uncontended / ((performance.now() - started) / 1000));
        }
        if (has("handoff"))
          out.handoffs.push(
            ...(await handoffSamples(a, b, name("h"), subject.handoffs ?? plan.handoffs)),
          );
        if (has("contention"))
          for (const n of plan.contenders)
            out.contention.push(
              await contend(clients.slice(0, n), name(`c${n}`), plan.contendedMs, plan.holdMs),
            );
      } finally {
        await Promise.all(clients.map((c) => c.close?.()));
      }
    }
  }
  return results;
}

/**
 * `clients` loop on one lock name for `durationMs`: ask, hold `holdMs`, release, ask again.
 * Contenders that are still waiting at the deadline finish their turn, so throughput counts
 * the time a fair lock spends serving them.
 */
export async function contend(
  clients: readonly BenchClient[],
  name: string,
  durationMs: number,
  holdMs: number,
): Promise<ContentionResult> {
  const grants: GrantTiming[] = [];
  let inside = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    clients.map(async (client) => {
      for (let first = true; performance.now() < deadline; first = false) {
        const asked = performance.now();
        const lock = await client.acquire(name);
        const granted = performance.now();
        if (++inside > 1) throw new Error(`two contenders held ${name} at once`);
        grants.push({ asked, granted, first });
        await sleep(holdMs);
        inside--;
        await lock.release();
      }
    }),
  );
  const elapsed = performance.now() - started;
  return {
    contenders: clients.length,
    grants: grants.length,
    opsPerSecond: (grants.length / elapsed) * 1000,
    longestWaitMs: Math.max(0, ...grants.map((g) => g.granted - g.asked)),
    inArrivalOrder: arrivalOrderKept(grants),
  };
}

/**
 * The share of grants that did not overtake anyone: a grant overtakes when another request,
 * made earlier, was still waiting when it was granted. Contenders' first requests are left
 * out on both sides: made at one instant, any order among them is as fair as another. So a
 * contender whose first request is never served shows in the longest wait, not here.
 */
export function arrivalOrderKept(all: readonly GrantTiming[]): number {
  const grants = all.filter((g) => !g.first);
  if (grants.length === 0) return 1;
  const byAsked = [...grants].sort((x, y) => x.asked - y.asked);
  let overtaking = 0;
  for (const g of grants) {
    for (const other of byAsked) {
      if (other.asked >= g.asked) break;
      if (other.granted > g.granted) {
        overtaking++;
        break;
      }
    }
  }
  return 1 - overtaking / grants.length;
}

/** NaN for no samples, so a measure a subject did not run drops out of its rows. */
const mean = (xs: readonly number[]) =>
  xs.length === 0 ? Number.NaN : xs.reduce((x, y) => x + y, 0) / xs.length;

/** The suite's rows: lockgate's figure beside each peer's, for every measure both ran. */
export function lockBenchRows(
  suite: string,
  ours: SubjectResult,
  peers: readonly SubjectResult[],
): BenchRow[] {
  type Figure = { measure: string; unit: BenchRow["unit"]; of: (r: SubjectResult) => number };
  const biggest = Math.max(0, ...ours.contention.map((c) => c.contenders));
  const figures: Figure[] = [
    { measure: "uncontended acquire+release", unit: "ops/s", of: (r) => mean(r.uncontendedOps) },
    {
      measure: "uncontended acquire+release, p50",
      unit: "ms",
      of: (r) => percentile(r.uncontended, 0.5),
    },
    {
      measure: "uncontended acquire+release, p99",
      unit: "ms",
      of: (r) => percentile(r.uncontended, 0.99),
    },
    {
      measure: "handoff to the next holder, p50",
      unit: "ms",
      of: (r) => percentile(r.handoffs, 0.5),
    },
    {
      measure: "handoff to the next holder, p99",
      unit: "ms",
      of: (r) => percentile(r.handoffs, 0.99),
    },
    { measure: "handoff to the next holder, max", unit: "ms", of: (r) => Math.max(...r.handoffs) },
    ...[...new Set(ours.contention.map((c) => c.contenders))].map(
      (n): Figure => ({
        measure: `${n} contenders holding 1 ms, throughput`,
        unit: "ops/s",
        of: (r) => mean(r.contention.filter((c) => c.contenders === n).map((c) => c.opsPerSecond)),
      }),
    ),
    {
      measure: `${biggest} contenders, longest wait`,
      unit: "ms",
      of: (r) =>
        Math.max(
          ...r.contention.filter((c) => c.contenders === biggest).map((c) => c.longestWaitMs),
        ),
    },
    {
      measure: `${biggest} contenders, grants in arrival order`,
      unit: "%",
      of: (r) =>
        100 *
        mean(r.contention.filter((c) => c.contenders === biggest).map((c) => c.inArrivalOrder)),
    },
  ];
  const rows: BenchRow[] = [];
  for (const f of figures) {
    const value = f.of(ours);
    if (!Number.isFinite(value)) continue;
    const side = (r: SubjectResult) => ({ label: r.label, value: f.of(r) });
    const compared = peers.filter((p) => Number.isFinite(f.of(p)));
    if (compared.length === 0)
      rows.push({ suite, measure: f.measure, unit: f.unit, ours: side(ours) });
    for (const p of compared)
      rows.push({ suite, measure: f.measure, unit: f.unit, ours: side(ours), peer: side(p) });
  }
  return rows;
}

/**
 * The plan every suite starts from: BENCH_QUICK=1 only proves the benchmarks run; the full run
 * (by hand) takes a few minutes per suite.
 */
export function defaultLockBenchPlan(overrides: Partial<LockBenchPlan> = {}): LockBenchPlan {
  const quick = process.env.BENCH_QUICK === "1";
  return {
    rounds: quick ? 1 : 3,
    uncontended: quick ? 20 : 300,
    handoffs: quick ? 3 : 30,
    contenders: [2, 8, 32],
    contendedMs: quick ? 150 : 2_000,
    holdMs: 1,
    ...(quick ? {} : overrides),
  };
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
