// The lock server on Node, Bun and Deno (memory store), driven by HttpLocker clients in this
// process, against: a bare Hono endpoint on the same runtime (the server's ceiling: the same
// client and HTTP work, no lock), redlock on a local redis-server, and Go lockgate's protocol as
// its client uses it (poll every 2 s). Then handoff across two servers sharing a file store or
// etcd. BENCH_QUICK=1 only proves it runs. Quote ratios, not absolute times.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpLocker } from "@lockgate/http-client";
import {
  type BenchRow,
  EtcdServer,
  handoffSamples,
  percentile,
  printBenchRows,
  RedisServer,
  type Runtime,
  redlockSubject,
  reportBench,
  runLockBenchSuite,
} from "@lockgate/process-harness";
import { startServerProcess } from "../src/test-support/server-process.ts";

const quick = process.env.BENCH_QUICK === "1";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const runtimeName = { node: "Node", bun: "Bun", deno: "Deno" } as const;
const bareEntry = join(import.meta.dirname, "bare-hono-main.ts");
const rows: BenchRow[] = [];

/** Go lockgate's HTTP client: acquire; on "should wait", sleep 2 s and ask again. */
async function goPollingHandoffs(url: string, n: number): Promise<number[]> {
  const post = async (path: string, body: unknown) =>
    (
      await fetch(`${url}${path}`, { method: "POST", body: JSON.stringify(body) })
    ).json() as Promise<{ err: string; lockHandle?: { uuid: string } }>;
  const acquire = { lockName: "go", opts: { shared: false, acquirerId: "" } };
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const held = await post("/acquire", acquire);
    const next = (async () => {
      for (;;) {
        const r = await post("/acquire", acquire);
        if (r.err === "") return { at: performance.now(), uuid: r.lockHandle?.uuid };
        await sleep(2_000);
      }
    })();
    await sleep(Math.random() * 2_000); // the release falls anywhere in the poller's cycle
    const releasedAt = performance.now();
    await post("/release", { lockHandle: { uuid: held.lockHandle?.uuid, lockName: "go" } });
    const got = await next;
    out.push(got.at - releasedAt);
    await post("/release", { lockHandle: { uuid: got.uuid, lockName: "go" } });
  }
  return out;
}

async function crossServerHandoffs(args: string[]): Promise<number[]> {
  const [a, b] = [
    await startServerProcess("node", ["--no-auth", ...args]),
    await startServerProcess("node", ["--no-auth", ...args]),
  ];
  try {
    const [x, y] = [new HttpLocker(a.url), new HttpLocker(b.url)];
    const out = await handoffSamples(x, y, "h", quick ? 3 : 30);
    await Promise.all([x.close(), y.close()]);
    return out;
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}

const redis = new RedisServer();
await redis.start();
try {
  for (const runtime of ["node", "bun", "deno"] as Runtime[]) {
    const server = await startServerProcess(runtime, ["--no-auth"]);
    const bare = await startServerProcess(runtime, [], bareEntry);
    try {
      rows.push(
        ...(await runLockBenchSuite({
          suite: `http (${runtimeName[runtime]})`,
          setting: `lock server on ${runtimeName[runtime]} (memory store), HttpLocker clients on Node`,
          ours: { label: "HttpLocker", client: () => new HttpLocker(server.url) },
          peers: [
            {
              label: `HttpLocker on a bare Hono endpoint (${runtimeName[runtime]})`,
              measures: ["uncontended"],
              client: () => new HttpLocker(bare.url),
            },
            redlockSubject(redis.url),
          ],
        })),
      );
      if (runtime === "node") {
        const ours = rows.find((r) => r.measure === "handoff to the next holder, p50");
        const go = await goPollingHandoffs(server.url, quick ? 2 : 10);
        rows.push({
          suite: "http (Node)",
          measure: "handoff to the next holder, p50",
          unit: "ms",
          ours: ours?.ours ?? { label: "HttpLocker", value: Number.NaN },
          peer: { label: "Go lockgate client, polling every 2 s", value: percentile(go, 0.5) },
        });
      }
    } finally {
      await Promise.all([server.stop(), bare.stop()]);
    }
  }
} finally {
  await redis.stop();
}

const dir = mkdtempSync(join(tmpdir(), "lockgate-bench-server-"));
const etcd = new EtcdServer();
await etcd.start();
try {
  const file = await crossServerHandoffs(["--store", "file", "--file-dir", dir]);
  const onEtcd = await crossServerHandoffs(["--store", "etcd", "--etcd-endpoints", etcd.endpoint]);
  const cross = [
    ["on a file store", file],
    ["on etcd", onEtcd],
  ] as const;
  const crossRows = cross.map(
    ([where, samples]): BenchRow => ({
      suite: "http (Node)",
      measure: `handoff across two servers ${where}, p50`,
      unit: "ms",
      ours: { label: "HttpLocker", value: percentile(samples, 0.5) },
    }),
  );
  printBenchRows(crossRows, "two lock servers on Node sharing one store");
  rows.push(...crossRows);
} finally {
  await etcd.stop();
  rmSync(dir, { recursive: true, force: true });
}
reportBench(rows);
