// EtcdLocker against etcd3's own lock() on the same etcd, and redlock on a local redis-server
// (what many Node users pick instead), side by side in interleaved rounds. Every contender has
// its own client connection, as a process would. BENCH_QUICK=1 only proves it runs.
import { join } from "node:path";
import {
  benchTable,
  contendAcrossProcesses,
  EtcdServer,
  processContentionRows,
  RedisServer,
  redlockSubject,
  reportBench,
  runLockBenchSuite,
} from "@lockgate/process-harness";
import { Etcd3, EtcdLockFailedError, type Lock } from "etcd3";
import { EtcdLocker } from "../src/etcd-locker.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** etcd3's lock() is a try-lock: its users retry. This retries every 10 ms. */
async function acquireRetrying(client: Etcd3, name: string): Promise<Lock> {
  for (;;) {
    try {
      return await client.lock(`etcd3-lock/${name}`).acquire();
    } catch (error) {
      if (!(error instanceof EtcdLockFailedError)) throw error;
      await sleep(10);
    }
  }
}

const etcd = new EtcdServer();
const redis = new RedisServer();
await Promise.all([etcd.start(), redis.start()]);
/** 8 Node processes on one lock: EtcdLocker's, then etcd3 lock()'s. */
function acrossProcesses(kind: "ours" | "peer") {
  return contendAcrossProcesses({
    worker: join(import.meta.dirname, "contention-worker.ts"),
    args: [kind, etcd.endpoint],
    options: { cwd: join(import.meta.dirname, "..") },
    durationMs: 5_000,
  });
}
try {
  const inProcess = await runLockBenchSuite({
    suite: "etcd",
    setting: "etcd 3.4 and redis-server on 127.0.0.1, one client connection per contender",
    ours: {
      label: "EtcdLocker",
      client: () => new EtcdLocker({ hosts: etcd.endpoint, prefix: "bench/" }),
    },
    peers: [
      {
        label: "etcd3 lock(), retry every 10 ms",
        client: () => {
          const client = new Etcd3({ hosts: etcd.endpoint });
          return {
            acquire: (name) => acquireRetrying(client, name),
            close: () => client.close(),
          };
        },
      },
      redlockSubject(redis.url),
    ],
  });
  const processes = processContentionRows("etcd", "EtcdLocker", await acrossProcesses("ours"), {
    label: "etcd3 lock(), retry every 10 ms",
    result: await acrossProcesses("peer"),
  });
  console.log(`\n${benchTable(processes)}`);
  reportBench([...inProcess, ...processes]);
} finally {
  await Promise.all([etcd.stop(), redis.stop()]);
}
