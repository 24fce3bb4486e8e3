// The lock server on Node, Bun and Deno (memory store) holding 100,000 locks with 10,000
// waiters parked on long-polls: its memory (resident set of the server process) and the
// latency of an unrelated acquire+release, against the same server empty, and memory against
// redis-server holding the same 100,000 locks as redlock keys (redlock's waiters poll from the
// client and cost the server nothing). Linux only (reads /proc). BENCH_QUICK=1 only proves it
// runs, with 2,000 locks and 200 waiters.
import { setMaxListeners } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import { HttpLocker } from "@lockgate/http-client";
import {
  type BenchRow,
  percentile,
  printBenchRows,
  RedisServer,
  type Runtime,
  reportBench,
} from "@lockgate/process-harness";
import { Redis } from "ioredis";
import { startServerProcess } from "../src/test-support/server-process.ts";

const quick = process.env.BENCH_QUICK === "1";
const HELD = quick ? 2_000 : 100_000;
const WAITERS = quick ? 200 : 10_000;
/** Waiters queue on this many of the held locks, WAITERS / QUEUES each. */
const QUEUES = quick ? 20 : 1_000;
const PROBES = quick ? 20 : 300;
const CONCURRENCY = 64;
const runtimeName = { node: "Node", bun: "Bun", deno: "Deno" } as const;
const rows: BenchRow[] = [];

/** Resident set of `pid` and its descendants (a runtime's launcher may spawn the real one), MiB. */
function treeRssMiB(pid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  let kib = 0;
  for (const stack = [pid]; stack.length > 0; ) {
    const p = stack.pop() as number;
    try {
      kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
    stack.push(...(children.get(p) ?? []));
  }
  return kib / 1024;
}

/** `n` calls of `op(i)`, CONCURRENCY at a time. */
async function inParallel(n: number, op: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) await op(next++);
    }),
  );
}

async function probeLatency(url: string): Promise<number[]> {
  const locker = new HttpLocker(url);
  const out: number[] = [];
  for (let i = 0; i < PROBES; i++) {
    const t = performance.now();
    await (await locker.acquire("probe")).release();
    out.push(performance.now() - t);
  }
  await locker.close();
  return out;
}

/** redis-server's growth per redlock key, KiB: measured once, the peer of every runtime's row. */
async function redisKiBPerLock(): Promise<number> {
  const redis = new RedisServer();
  await redis.start();
  const client = new Redis(redis.url);
  try {
    const rss = async () =>
      Number(/used_memory_rss:(\d+)/.exec(await client.info("memory"))?.[1] ?? 0) / 1024;
    const before = await rss();
    // redlock's own write: SET resource random-value NX PX ttl.
    await inParallel(HELD, async (i) => {
      await client.set(`locks:held-${i}`, `${Math.random()}`.slice(2), "PX", 3_600_000, "NX");
    });
    return ((await rss()) - before) / HELD;
  } finally {
    client.disconnect();
    await redis.stop();
  }
}

const redisPerLock = await redisKiBPerLock();
const settle = () => new Promise((resolve) => setTimeout(resolve, 1_000));

for (const runtime of ["node", "bun", "deno"] as Runtime[]) {
  const server = await startServerProcess(runtime, ["--no-auth", "--max-wait", "300000"]);
  const pid = server.child.pid as number;
  const parked = new AbortController();
  setMaxListeners(0, parked.signal); // one listener per parked waiter, on purpose
  try {
    await probeLatency(server.url); // warm up
    await settle();
    const emptyRss = treeRssMiB(pid);
    const empty = await probeLatency(server.url);
    const post = (body: unknown, signal?: AbortSignal) =>
      fetch(`${server.url}/v1/acquire`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        ...(signal ? { signal } : {}),
      });
    const loading = performance.now();
    await inParallel(HELD, async (i) => {
      const r = await post({ name: `held-${i}`, id: `h-${i}`, ttl: 3_600_000 });
      const body = (await r.json()) as { status: string };
      if (body.status !== "granted") throw new Error(`held-${i}: ${JSON.stringify(body)}`);
    });
    const loadRate = HELD / ((performance.now() - loading) / 1000);
    await settle();
    const heldRss = treeRssMiB(pid);
    // Long-polls that stay parked until the end: each a queue place and an open connection.
    let answered = 0;
    for (let i = 0; i < WAITERS; i++) {
      post(
        { name: `held-${i % QUEUES}`, id: `w-${i}`, ttl: 3_600_000, waitMs: 300_000 },
        parked.signal,
      ).then(
        () => answered++,
        () => {},
      );
      if (i % 500 === 499) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Every waiter is in its queue once the server says so.
    for (let tries = 0; ; tries++) {
      const info = (await (await fetch(`${server.url}/v1/locks/held-${QUEUES - 1}`)).json()) as {
        waiters?: unknown[];
      };
      if ((info.waiters?.length ?? 0) >= WAITERS / QUEUES) break;
      if (tries > 600)
        throw new Error(`waiters did not queue: ${JSON.stringify(info).slice(0, 200)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await settle();
    const loadedRss = treeRssMiB(pid);
    const loaded = await probeLatency(server.url);
    if (answered > 0) throw new Error(`${answered} parked waiters were answered early`);

    const suite = `server load (${runtimeName[runtime]})`;
    const with_ = `with ${HELD.toLocaleString("en")} held, ${WAITERS.toLocaleString("en")} waiting`;
    const emptyLabel = "same server, empty";
    const runtimeRows: BenchRow[] = [
      {
        suite,
        measure: "acquire+release of another lock, p50",
        unit: "ms",
        ours: { label: with_, value: percentile(loaded, 0.5) },
        peer: { label: emptyLabel, value: percentile(empty, 0.5) },
      },
      {
        suite,
        measure: "acquire+release of another lock, p99",
        unit: "ms",
        ours: { label: with_, value: percentile(loaded, 0.99) },
        peer: { label: emptyLabel, value: percentile(empty, 0.99) },
      },
      {
        suite,
        measure: "resident memory, MiB",
        unit: "MiB",
        ours: { label: with_, value: loadedRss },
        peer: { label: emptyLabel, value: emptyRss },
      },
      {
        suite,
        measure: "memory per held lock, KiB",
        unit: "KiB",
        ours: { label: "lock server", value: ((heldRss - emptyRss) * 1024) / HELD },
        peer: { label: "redis-server, redlock keys", value: redisPerLock },
      },
      {
        suite,
        // redlock's waiters cost its server nothing: they poll. Ours hold a connection open.
        measure: "memory per waiter (an open long-poll), KiB",
        unit: "KiB",
        ours: { label: "lock server", value: ((loadedRss - heldRss) * 1024) / WAITERS },
      },
      {
        suite,
        measure: "acquires while loading (64 in flight)",
        unit: "ops/s",
        ours: { label: "lock server", value: loadRate },
      },
    ];
    printBenchRows(runtimeRows, `lock server on ${runtimeName[runtime]}, memory store`);
    rows.push(...runtimeRows);
  } finally {
    parked.abort();
    await server.stop("SIGKILL");
  }
}

reportBench(rows);
