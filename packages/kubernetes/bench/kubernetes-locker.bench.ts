// KubernetesLocker on the stand-in API server, through the real client-node:
// - the standard measures (uncontended, handoff, 2/8/32 contenders, fairness) on one ConfigMap
//   against Go lockgate's algorithm with its own defaults (poll every 2 s, 1 s after a 409);
// - independent locks on ONE object (per-annotation JSON Patch CAS) against the same locks
//   written the way Go lockgate writes them (whole-object update with resourceVersion, 409 ->
//   read again, retried at once here so the peer loses no time to Go's 1 s pause);
// - how many lock records fit in the 256 KiB annotation budget of one object (printed);
// - uncontended acquire+release from a separate process on Node, Bun and Deno, over the
//   stand-in's TLS with the kubeconfig's CA, as a CI job would run it.
// The stand-in runs in this process, so its own work is in every number, on both sides. A real
// API server adds its own latency on top (tens of ms per handoff, ~4 ms per GET, measured on a
// kube-apiserver v1.24 with its own etcd): quote ratios, not absolute times.
// BENCH_QUICK=1 only proves it runs. Quote ratios, not absolute times.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { emptyRecord, type LockRecord } from "@lockgate/core";
import {
  configMaps,
  startKubeApiStandIn,
  TOTAL_ANNOTATION_SIZE_LIMIT,
} from "@lockgate/kube-api-standin";
import {
  type BenchRow,
  benchTable,
  contendAcrossProcesses,
  finished,
  processContentionRows,
  reportBench,
  runLockBenchSuite,
  startWorker,
} from "@lockgate/process-harness";
import { goLockgateCodec } from "@lockgate/store-kubernetes";
import { KubernetesLocker } from "../src/kubernetes-locker.ts";
import { GoLockgateClient } from "../src/test-support/go-lockgate-client.ts";

const quick = process.env.BENCH_QUICK === "1";
const LOCKS = quick ? 4 : 16;
const OPS_PER_LOCK = quick ? 3 : 25;
const ROUNDS = quick ? 1 : 3;

const standIn = await startKubeApiStandIn();
const kubeConfig = new KubeConfig();
kubeConfig.loadFromString(standIn.kubeconfig());
let objects = 0;

/** Acquire+release cycles per second over LOCKS independent names on one object. */
async function ours(): Promise<number> {
  const name = `bench-${++objects}`;
  standIn.create(configMaps, { name, namespace: "bench" });
  // One locker per lock name: as many processes, each with its own watch.
  const lockers = Array.from(
    { length: LOCKS },
    () =>
      new KubernetesLocker({
        object: { apiVersion: "v1", kind: "ConfigMap", name, namespace: "bench" },
        kubeConfig,
      }),
  );
  const start = performance.now();
  await Promise.all(
    lockers.map(async (locker, i) => {
      for (let n = 0; n < OPS_PER_LOCK; n++) {
        const lock = await locker.acquire(`lock-${i}`);
        await lock.release();
      }
    }),
  );
  const rate = (LOCKS * OPS_PER_LOCK) / ((performance.now() - start) / 1000);
  await Promise.all(lockers.map((l) => l.close()));
  return rate;
}

async function goStyle(): Promise<number> {
  const name = `bench-${++objects}`;
  standIn.create(configMaps, { name, namespace: "bench" });
  const clients = Array.from(
    { length: LOCKS },
    () =>
      new GoLockgateClient({ kubeConfig, name, namespace: "bench", pollMs: 1, conflictRetryMs: 0 }),
  );
  const start = performance.now();
  await Promise.all(
    clients.map(async (client, i) => {
      for (let n = 0; n < OPS_PER_LOCK; n++) {
        const uuid = await client.acquire(`lock-${i}`);
        await client.release(`lock-${i}`, uuid);
      }
    }),
  );
  return (LOCKS * OPS_PER_LOCK) / ((performance.now() - start) / 1000);
}

const oursRates: number[] = [];
const peerRates: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  oursRates.push(await ours());
  peerRates.push(await goStyle());
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

// Records per object: a held lock (one holder with a small value) and a free one (the counter
// that stays behind), each with its two annotations (record + meta) and their keys.
const codec = goLockgateCodec();
const now = Date.now();
const held: LockRecord = {
  ...emptyRecord("deploy/service-042", now),
  holders: [
    {
      id: crypto.randomUUID(),
      shared: false,
      ttl: 10_000,
      beat: 12,
      renewedAt: now,
      token: now,
      acquiredAt: now,
      value: { host: "runner-17", job: "1234567" },
    },
  ],
};
const perLock = (record: LockRecord) =>
  2 * "lockgate.io/".length +
  "meta.".length +
  2 * 56 +
  codec.encode(record).length +
  JSON.stringify({ key: record.name, rev: 12 }).length;
const heldBytes = perLock(held);
const freeBytes = perLock(emptyRecord("deploy/service-042", now));
console.log(
  `kubernetes: ${LOCKS} independent locks on one object: ${median(oursRates).toFixed(0)} ops/s (JSON Patch per annotation) vs ${median(peerRates).toFixed(0)} ops/s (whole-object update, Go lockgate style); ` +
    `a held lock takes ${heldBytes} bytes of annotations, a free one ${freeBytes}: ${Math.floor(TOTAL_ANNOTATION_SIZE_LIMIT / heldBytes)} held or ${Math.floor(TOTAL_ANNOTATION_SIZE_LIMIT / freeBytes)} free locks per object`,
);

// Every contender its own locker (its own watch) or Go client, as a process would have.
standIn.create(configMaps, { name: "standard", namespace: "bench" });
const object = { apiVersion: "v1", kind: "ConfigMap", name: "standard", namespace: "bench" };
const standard = await runLockBenchSuite({
  suite: "kubernetes (stand-in)",
  setting: "stand-in API server in this process, real @kubernetes/client-node, one ConfigMap",
  ours: { label: "KubernetesLocker", client: () => new KubernetesLocker({ object, kubeConfig }) },
  peers: [
    {
      label: "Go lockgate algorithm, its defaults (poll 2 s)",
      handoffs: quick ? 2 : 10,
      client: () => {
        const go = new GoLockgateClient({ kubeConfig, name: "standard", namespace: "bench" });
        return {
          acquire: async (name) => {
            const uuid = await go.acquire(name);
            return { release: () => go.release(name, uuid) };
          },
        };
      },
    },
  ],
});

/** p50 of uncontended acquire+release in a separate process on `runtime`, in ms. */
async function separateProcess(runtime: "node" | "bun" | "deno"): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "lockgate-k8s-bench-"));
  try {
    const kubeconfig = join(dir, "kubeconfig");
    writeFileSync(kubeconfig, standIn.kubeconfig(), { mode: 0o600 });
    const result = await finished(
      startWorker(
        runtime,
        join(import.meta.dirname, "uncontended-worker.ts"),
        ["standard", "bench", `alone-${runtime}`, quick ? "10" : "200"],
        { cwd: join(import.meta.dirname, ".."), env: { KUBECONFIG: kubeconfig } },
      ),
    );
    if (result.code !== 0) throw new Error(`${runtime} worker failed: ${result.stderr}`);
    const samples = (
      JSON.parse(result.stdout.trim().split("\n").pop() ?? "{}") as { samples: number[] }
    ).samples.sort((a, b) => a - b);
    return samples[Math.floor(samples.length / 2)] as number;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
/** 8 Node processes on one lock: ours, then Go's algorithm; each its own client and watch. */
async function acrossProcesses(kind: "ours" | "peer") {
  const dir = mkdtempSync(join(tmpdir(), "lockgate-k8s-bench-"));
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, standIn.kubeconfig(), { mode: 0o600 });
  const name = `processes-${kind}`;
  standIn.create(configMaps, { name, namespace: "bench" });
  try {
    return await contendAcrossProcesses({
      worker: join(import.meta.dirname, "contention-worker.ts"),
      args: [kind, name, "bench"],
      options: { cwd: join(import.meta.dirname, ".."), env: { KUBECONFIG: kubeconfig } },
      durationMs: 8_000,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const processes = processContentionRows(
  "kubernetes (stand-in)",
  "KubernetesLocker",
  await acrossProcesses("ours"),
  {
    label: "Go lockgate algorithm, its defaults (poll 2 s)",
    result: await acrossProcesses("peer"),
  },
);

const alone = { node: [] as number[], bun: [] as number[], deno: [] as number[] };
for (let r = 0; r < ROUNDS; r++) {
  for (const runtime of ["node", "bun", "deno"] as const)
    alone[runtime].push(await separateProcess(runtime));
}

const rows: BenchRow[] = [
  ...standard,
  {
    suite: "kubernetes (stand-in)",
    measure: "uncontended acquire+release p50, separate process, TLS: Node vs Bun",
    unit: "ms",
    ours: { label: "KubernetesLocker on Node", value: median(alone.node) },
    peer: { label: "the same on Bun", value: median(alone.bun) },
  },
  {
    suite: "kubernetes (stand-in)",
    measure: "uncontended acquire+release p50, separate process, TLS: Deno vs Bun",
    unit: "ms",
    ours: { label: "KubernetesLocker on Deno", value: median(alone.deno) },
    peer: { label: "the same on Bun", value: median(alone.bun) },
  },
  {
    suite: "kubernetes (stand-in)",
    measure: `${LOCKS} independent locks on one object, acquire+release`,
    unit: "ops/s",
    ours: { label: "KubernetesLocker", value: median(oursRates) },
    peer: { label: "whole-object update (Go lockgate style)", value: median(peerRates) },
  },
];
rows.push(...processes);
console.log(`\n${benchTable(rows.slice(standard.length))}`);
reportBench(rows);
await standIn.close();
