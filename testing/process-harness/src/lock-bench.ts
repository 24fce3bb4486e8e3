import { handoffSamples } from "./bench-samples.ts";

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
  /**
   * Unmeasured acquire+release cycles per subject before the first round: a client's first
   * calls connect, and whichever subject runs first in a process would also pay for warming
   * up code the others share (a gRPC or HTTP client). Default 0.
   */
  readonly warmup?: number;
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
  for (const [i, subject] of subjects.entries()) {
    if (!plan.warmup || (subject.measures && !subject.measures.includes("uncontended"))) continue;
    const client = await subject.client();
    try {
      for (let n = 0; n < plan.warmup; n++)
        await (await client.acquire(`bench-${i}-warm`)).release();
    } finally {
      await client.close?.();
    }
  }
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
    warmup: quick ? 2 : 50,
    ...(quick ? {} : overrides),
  };
}
