// A semaphore of 4 permits, 16 contenders each holding 5 ms in a loop: RedisLocker's `limit`
// beside redis-semaphore (its Semaphore, polling every 10 ms, its default) on the same
// redis-server, in interleaved rounds. Each contender has its own client, as a process would.
// Measured: grants per second, the share of grants that overtook no earlier waiter, the
// longest wait. BENCH_QUICK=1 only proves it runs.
import {
  type BenchRow,
  percentile,
  printBenchRows,
  RedisServer,
  reportBench,
} from "@lockgate/process-harness";
import { Redis } from "ioredis";
import { Semaphore } from "redis-semaphore";
import { RedisLocker } from "../src/redis-locker.ts";

const quick = process.env.BENCH_QUICK === "1";
const LIMIT = 4;
const CONTENDERS = 16;
const HOLD_MS = 5;
const durationMs = quick ? 600 : 4_000;
const rounds = quick ? 1 : 3;

interface Grant {
  readonly contender: number;
  readonly askedAt: number;
  readonly grantedAt: number;
  readonly first: boolean;
}
interface Contender {
  acquire(): Promise<() => Promise<unknown>>;
  close(): Promise<unknown>;
}
type Side = (name: string) => Contender;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function contend(side: Side, name: string): Promise<{ grants: Grant[]; elapsedMs: number }> {
  const contenders = Array.from({ length: CONTENDERS }, () => side(name));
  const grants: Grant[] = [];
  let inside = 0;
  const started = performance.now();
  const until = started + durationMs;
  await Promise.all(
    contenders.map(async (c, contender) => {
      for (let first = true; performance.now() < until; first = false) {
        const askedAt = performance.now();
        const release = await c.acquire();
        grants.push({ contender, askedAt, grantedAt: performance.now(), first });
        if (++inside > LIMIT) throw new Error(`${inside} holders of ${LIMIT} permits`);
        await sleep(HOLD_MS);
        inside--;
        await release();
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  await Promise.all(contenders.map((c) => c.close()));
  return { grants, elapsedMs };
}

/** Share of grants (first requests left out) that no earlier-asking request was still waiting behind. */
function inOrderShare(grants: readonly Grant[]): number {
  const counted = grants.filter((g) => !g.first);
  let inOrder = 0;
  for (const g of counted) {
    if (!counted.some((o) => o.askedAt < g.askedAt && o.grantedAt > g.grantedAt)) inOrder++;
  }
  return (100 * inOrder) / Math.max(1, counted.length);
}

const redis = new RedisServer();
await redis.start();
const ours: Side = (name) => {
  const locker = new RedisLocker({ url: redis.url, prefix: "bench-sem:" });
  return {
    acquire: async () => {
      const permit = await locker.acquire(name, { limit: LIMIT });
      return () => permit.release();
    },
    close: () => locker.close(),
  };
};
const peer: Side = (name) => {
  const client = new Redis(redis.url);
  return {
    acquire: async () => {
      // acquireTimeout above the run; its other options are its defaults (retry every 10 ms).
      const semaphore = new Semaphore(client, `bench-sem-peer:${name}`, LIMIT, {
        acquireTimeout: 60_000,
      });
      await semaphore.acquire();
      return () => semaphore.release();
    },
    close: () => client.quit(),
  };
};

interface Run {
  readonly grants: Grant[];
  readonly elapsedMs: number;
}
const results: { ours: Run[]; peer: Run[] } = { ours: [], peer: [] };
try {
  for (let round = 0; round < rounds; round++) {
    results.ours.push(await contend(ours, `r${round}`));
    results.peer.push(await contend(peer, `r${round}`));
  }
} finally {
  await redis.stop();
}

const summary = (runs: Run[]) => {
  const grants = runs.flatMap((r) => r.grants);
  const elapsed = runs.reduce((sum, r) => sum + r.elapsedMs, 0);
  const waits = grants.map((g) => g.grantedAt - g.askedAt);
  return {
    throughput: (1000 * grants.length) / elapsed,
    inOrder: runs.reduce((sum, r) => sum + inOrderShare(r.grants), 0) / runs.length,
    longest: Math.max(...waits),
    p99: percentile(waits, 0.99),
  };
};
const o = summary(results.ours);
const p = summary(results.peer);
const label = {
  ours: `RedisLocker, limit ${LIMIT}`,
  peer: `redis-semaphore ${LIMIT} permits, retry every 10 ms`,
};
const row = (measure: string, unit: BenchRow["unit"], a: number, b: number): BenchRow => ({
  suite: "redis semaphore",
  measure,
  unit,
  ours: { label: label.ours, value: a },
  peer: { label: label.peer, value: b },
});
const rows: BenchRow[] = [
  row(
    `${CONTENDERS} contenders, ${LIMIT} permits, holding ${HOLD_MS} ms: throughput`,
    "ops/s",
    o.throughput,
    p.throughput,
  ),
  row(
    `${CONTENDERS} contenders, ${LIMIT} permits: grants in arrival order`,
    "%",
    o.inOrder,
    p.inOrder,
  ),
  row(`${CONTENDERS} contenders, ${LIMIT} permits: p99 wait`, "ms", o.p99, p.p99),
  row(`${CONTENDERS} contenders, ${LIMIT} permits: longest wait`, "ms", o.longest, p.longest),
];
printBenchRows(
  rows,
  `redis-server 7.0 on 127.0.0.1, ${rounds} interleaved rounds of ${durationMs} ms`,
);
reportBench(rows);
