// FileLocker against proper-lockfile's own lock/unlock, side by side in one process, in
// interleaved rounds so that drift of this shared machine hits both alike. Quote ratios.
// BENCH_QUICK=1 runs a few iterations only, to prove the benchmark works (CI).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { handoffSamples, percentile as quantile, reportBench } from "@lockgate/process-harness";
import { lock as properLock } from "proper-lockfile";
import { FileLocker } from "../src/file-locker.ts";

const quick = process.env.BENCH_QUICK === "1";
const ROUNDS = quick ? 2 : 5;
const UNCONTENDED = quick ? 20 : 300;
const HANDOFFS = quick ? 5 : 40;
/** proper-lockfile cannot wait for a lock; its users retry. This polls every 10 ms. */
const PEER_RETRIES = { retries: 100_000, factor: 1, minTimeout: 10, maxTimeout: 10 };

const root = mkdtempSync(join(tmpdir(), "lockgate-bench-"));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const percentile = (samples: number[], p: number) => quantile(samples, p / 100);

async function fileLockerUncontended(dir: string, samples: number[]): Promise<void> {
  const locker = new FileLocker(dir, { durable: process.env.DURABLE !== "0" });
  for (let i = 0; i < UNCONTENDED; i++) {
    const start = performance.now();
    const lock = await locker.acquire("bench");
    await lock.release();
    samples.push(performance.now() - start);
  }
  await locker.close();
}

async function properUncontended(file: string, samples: number[]): Promise<void> {
  for (let i = 0; i < UNCONTENDED; i++) {
    const start = performance.now();
    const release = await properLock(file, { realpath: false });
    await release();
    samples.push(performance.now() - start);
  }
}

async function fileLockerHandoff(dir: string, samples: number[]): Promise<void> {
  // Two lockers: two backends, two watches, as two processes would have.
  const holder = new FileLocker(dir, { durable: process.env.DURABLE !== "0" });
  const waiter = new FileLocker(dir, { durable: process.env.DURABLE !== "0" });
  samples.push(...(await handoffSamples(holder, waiter, "handoff", HANDOFFS)));
  await Promise.all([holder.close(), waiter.close()]);
}

async function properHandoff(file: string, samples: number[]): Promise<void> {
  for (let i = 0; i < HANDOFFS; i++) {
    const release = await properLock(file, { realpath: false });
    const waiting = properLock(file, { realpath: false, retries: PEER_RETRIES });
    await sleep(30 + Math.random() * 10);
    const releasedAt = performance.now();
    await release();
    const releaseNext = await waiting;
    samples.push(performance.now() - releasedAt);
    await releaseNext();
  }
}

const results = {
  fileUncontended: [] as number[],
  properUncontended: [] as number[],
  fileHandoff: [] as number[],
  properHandoff: [] as number[],
};
for (let round = 0; round < ROUNDS; round++) {
  const dir = join(root, `round-${round}`);
  const peerFile = join(root, `peer-${round}`);
  writeFileSync(peerFile, "");
  await fileLockerUncontended(join(dir, "u"), results.fileUncontended);
  await properUncontended(peerFile, results.properUncontended);
  await fileLockerHandoff(join(dir, "h"), results.fileHandoff);
  await properHandoff(peerFile, results.properHandoff);
}
rmSync(root, { recursive: true, force: true });

const row = (name: string, samples: number[]) => {
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return {
    name,
    n: samples.length,
    opsPerSec: 1000 / mean,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    max: Math.max(...samples),
  };
};
const rows = [
  row("FileLocker acquire+release (uncontended)", results.fileUncontended),
  row("proper-lockfile lock+unlock (uncontended)", results.properUncontended),
  row("FileLocker handoff, release to next holder", results.fileHandoff),
  row("proper-lockfile handoff (retry every 10 ms)", results.properHandoff),
];
const f = (n: number) => n.toFixed(2);
console.log(
  `\nmachine: ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}, ${tmpdir()}${quick ? " (quick mode)" : ""}\n`,
);
console.log("| measure | n | ops/s | p50 ms | p99 ms | max ms |");
console.log("|---|---|---|---|---|---|");
for (const r of rows)
  console.log(
    `| ${r.name} | ${r.n} | ${r.opsPerSec.toFixed(0)} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.max)} |`,
  );
const [fu, pu, fh, ph] = rows as [
  (typeof rows)[0],
  (typeof rows)[0],
  (typeof rows)[0],
  (typeof rows)[0],
];
console.log(`\nuncontended: FileLocker takes ${f(fu.p50 / pu.p50)}x proper-lockfile's p50 time`);
console.log(
  `handoff: FileLocker p50 is ${f(ph.p50 / fh.p50)}x faster than proper-lockfile polling every 10 ms (p99 ${f(ph.p99 / fh.p99)}x)`,
);

const peer = (label: string, value: number) => ({ label, value });
reportBench([
  {
    suite: "file",
    measure: "uncontended acquire+release, p50",
    unit: "ms",
    ours: peer("FileLocker", fu.p50),
    peer: peer("proper-lockfile lock+unlock", pu.p50),
  },
  {
    suite: "file",
    measure: "handoff to the next holder, p50",
    unit: "ms",
    ours: peer("FileLocker", fh.p50),
    peer: peer("proper-lockfile, retry every 10 ms", ph.p50),
  },
  {
    suite: "file",
    measure: "handoff to the next holder, p99",
    unit: "ms",
    ours: peer("FileLocker", fh.p99),
    peer: peer("proper-lockfile, retry every 10 ms", ph.p99),
  },
]);
