// RedisLocker against redlock on the same redis-server (what many Node users pick), side by
// side in interleaved rounds. Every contender has its own connections, as a process would.
// BENCH_QUICK=1 only proves it runs.
import { join } from "node:path";
import {
  benchTable,
  contendAcrossProcesses,
  processContentionRows,
  RedisServer,
  redlockSubject,
  reportBench,
  runLockBenchSuite,
} from "@lockgate/process-harness";
import { RedisLocker } from "../src/redis-locker.ts";

const redis = new RedisServer();
await redis.start();
/** 8 Node processes on one lock: RedisLocker's, then redlock's. */
function acrossProcesses(kind: "ours" | "peer") {
  return contendAcrossProcesses({
    worker: join(import.meta.dirname, "contention-worker.ts"),
    args: [kind, redis.url],
    options: { cwd: join(import.meta.dirname, "..") },
    durationMs: 5_000,
  });
}
try {
  const inProcess = await runLockBenchSuite({
    suite: "redis",
    setting: "redis-server 7.0 on 127.0.0.1, one client connection per contender",
    ours: {
      label: "RedisLocker",
      client: () => new RedisLocker({ url: redis.url, prefix: "bench:" }),
    },
    peers: [redlockSubject(redis.url)],
  });
  const processes = processContentionRows("redis", "RedisLocker", await acrossProcesses("ours"), {
    label: "redlock, retry every 10 ms",
    result: await acrossProcesses("peer"),
  });
  console.log(`\n${benchTable(processes)}`);
  reportBench([...inProcess, ...processes]);
} finally {
  await redis.stop();
}
