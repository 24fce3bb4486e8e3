// Handoff through the lock server: HttpLocker's long-poll against Go lockgate's protocol as its
// client uses it (poll /acquire every 2 s), on the same server process; plus the same long-poll
// across two server instances sharing a file store. BENCH_QUICK=1 only proves it runs.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { HttpLocker } from "@lockgate/http-client";
import { EtcdServer, handoffSamples, percentile, reportBench } from "@lockgate/process-harness";
import { startServerProcess } from "../src/test-support/server-process.ts";

const quick = process.env.BENCH_QUICK === "1";
const N = quick ? 3 : 30;
const GO_N = quick ? 2 : 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const p = percentile;

async function longPollHandoffs(urlA: string, urlB: string, n: number): Promise<number[]> {
  const a = new HttpLocker(urlA);
  const b = new HttpLocker(urlB);
  const out = await handoffSamples(a, b, "h", n);
  await Promise.all([a.close(), b.close()]);
  return out;
}

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
    let releasedAt = 0;
    const next = (async () => {
      for (;;) {
        const r = await post("/acquire", acquire);
        if (r.err === "") return { at: performance.now(), uuid: r.lockHandle?.uuid };
        await sleep(2_000);
      }
    })();
    await sleep(Math.random() * 2_000); // the release falls anywhere in the poller's cycle
    releasedAt = performance.now();
    await post("/release", { lockHandle: { uuid: held.lockHandle?.uuid, lockName: "go" } });
    const got = await next;
    out.push(got.at - releasedAt);
    await post("/release", { lockHandle: { uuid: got.uuid, lockName: "go" } });
  }
  return out;
}

const memory = await startServerProcess("node", ["--no-auth"]);
const dir = mkdtempSync(join(tmpdir(), "lockgate-bench-server-"));
const fileA = await startServerProcess("node", ["--no-auth", "--store", "file", "--file-dir", dir]);
const fileB = await startServerProcess("node", ["--no-auth", "--store", "file", "--file-dir", dir]);
const etcd = new EtcdServer();
await etcd.start();
const etcdArgs = ["--no-auth", "--store", "etcd", "--etcd-endpoints", etcd.endpoint];
const [etcdA, etcdB] = [
  await startServerProcess("node", etcdArgs),
  await startServerProcess("node", etcdArgs),
];
try {
  const ours = await longPollHandoffs(memory.url, memory.url, N);
  const cross = await longPollHandoffs(fileA.url, fileB.url, N);
  const crossEtcd = await longPollHandoffs(etcdA.url, etcdB.url, N);
  const go = await goPollingHandoffs(memory.url, GO_N);
  const f = (x: number) => x.toFixed(1);
  console.log(
    `\nmachine: ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}, server on Node${quick ? " (quick mode)" : ""}\n`,
  );
  console.log("| handoff, release to next holder | n | p50 ms | p99 ms | max ms |");
  console.log("|---|---|---|---|---|");
  console.log(
    `| HttpLocker long-poll, one server (memory store) | ${ours.length} | ${f(p(ours, 0.5))} | ${f(p(ours, 0.99))} | ${f(Math.max(...ours))} |`,
  );
  console.log(
    `| HttpLocker long-poll, across two servers (file store) | ${cross.length} | ${f(p(cross, 0.5))} | ${f(p(cross, 0.99))} | ${f(Math.max(...cross))} |`,
  );
  console.log(
    `| HttpLocker long-poll, across two servers (etcd store) | ${crossEtcd.length} | ${f(p(crossEtcd, 0.5))} | ${f(p(crossEtcd, 0.99))} | ${f(Math.max(...crossEtcd))} |`,
  );
  console.log(
    `| Go lockgate protocol, client polling every 2 s | ${go.length} | ${f(p(go, 0.5))} | ${f(p(go, 0.99))} | ${f(Math.max(...go))} |`,
  );
  const side = (label: string, value: number) => ({ label, value });
  reportBench([
    {
      suite: "server",
      measure: "handoff through one server, p50",
      unit: "ms",
      ours: side("HttpLocker long-poll", p(ours, 0.5)),
      peer: side("Go lockgate client, polling every 2 s", p(go, 0.5)),
    },
    {
      suite: "server",
      measure: "handoff across two servers on a file store, p50",
      unit: "ms",
      ours: side("HttpLocker long-poll", p(cross, 0.5)),
    },
    {
      suite: "server",
      measure: "handoff across two servers on etcd, p50",
      unit: "ms",
      ours: side("HttpLocker long-poll", p(crossEtcd, 0.5)),
    },
  ]);
  console.log(
    `\nlong-poll handoff p50 is ${f(p(go, 0.5) / p(ours, 0.5))}x faster than Go lockgate's 2 s polling on the same server`,
  );
} finally {
  await Promise.all([memory.stop(), fileA.stop(), fileB.stop(), etcdA.stop(), etcdB.stop()]);
  await etcd.stop();
  rmSync(dir, { recursive: true, force: true });
}
