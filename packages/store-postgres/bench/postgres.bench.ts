// PostgresLocker against PostgreSQL advisory locks on the same server (what Node users of
// PostgreSQL pick): pg_advisory_lock blocking on a dedicated connection, and
// pg_try_advisory_lock retried every 10 ms. Interleaved rounds; one connection per contender
// for the peers, a small pool per contender for lockgate. BENCH_QUICK=1 only proves it runs.
import { join } from "node:path";
import {
  benchTable,
  contendAcrossProcesses,
  PostgresServer,
  pgAdvisorySubject,
  processContentionRows,
  reportBench,
  runLockBenchSuite,
} from "@lockgate/process-harness";
import { PostgresLocker } from "../src/postgres-locker.ts";

const postgres = new PostgresServer();
await postgres.start();
/** 8 Node processes on one lock: PostgresLocker's, then polled advisory locks'. */
function acrossProcesses(kind: "ours" | "peer") {
  return contendAcrossProcesses({
    worker: join(import.meta.dirname, "contention-worker.ts"),
    args: [kind],
    options: {
      cwd: join(import.meta.dirname, ".."),
      env: { LOCKGATE_TEST_PG: JSON.stringify(postgres.connection) },
    },
    durationMs: 5_000,
  });
}
try {
  const inProcess = await runLockBenchSuite({
    suite: "postgres",
    setting: "PostgreSQL 15 on 127.0.0.1, one pool (2 connections) per lockgate contender",
    ours: {
      label: "PostgresLocker",
      client: () =>
        new PostgresLocker({
          connection: postgres.connection,
          table: "bench_locks",
          maxConnections: 2,
        }),
    },
    peers: [
      pgAdvisorySubject(postgres.connection, "block"),
      pgAdvisorySubject(postgres.connection, "poll"),
    ],
  });
  const processes = processContentionRows(
    "postgres",
    "PostgresLocker",
    await acrossProcesses("ours"),
    { label: "pg_try_advisory_lock, retry every 10 ms", result: await acrossProcesses("peer") },
  );
  console.log(`\n${benchTable(processes)}`);
  reportBench([...inProcess, ...processes]);
} finally {
  await postgres.stop();
}
