// EtcdLocker against etcd3's own lock(), side by side on one etcd this script starts, in
// interleaved rounds. BENCH_QUICK=1 only proves it runs. Quote ratios, not absolute times.
import { cpus } from "node:os";
import { EtcdServer, handoffSamples, percentile, reportBench } from "@lockgate/process-harness";
import { Etcd3, EtcdLockFailedError, type Lock } from "etcd3";
import { EtcdLocker } from "../src/etcd-locker.ts";

const quick = process.env.BENCH_QUICK === "1";
const ROUNDS = quick ? 1 : 3;
const UNCONTENDED = quick ? 10 : 150;
const HANDOFFS = quick ? 3 : 30;
const CONTENDERS = 8;
const CONTENDED_OPS = quick ? 16 : 160;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const p = percentile;

const etcd = new EtcdServer();
await etcd.start();
const peer = new Etcd3({ hosts: etcd.endpoint });
const s = {
  oursU: [] as number[],
  peerU: [] as number[],
  oursH: [] as number[],
  peerH: [] as number[],
  oursT: [] as number[],
  peerT: [] as number[],
};

async function timeIt(n: number, out: number[], op: () => Promise<void>) {
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await op();
    out.push(performance.now() - t);
  }
}

/** etcd3's lock() is a try-lock: its users retry. This retries every 10 ms. */
async function acquireRetrying(make: () => Lock): Promise<Lock> {
  for (;;) {
    const lock = make();
    try {
      return await lock.acquire();
    } catch (error) {
      if (!(error instanceof EtcdLockFailedError)) throw error;
      await sleep(10);
    }
  }
}

/** ops/s of `contenders` loops sharing one lock, each holding it 1 ms. */
async function throughput(
  contenders: number,
  total: number,
  once: (i: number) => Promise<void>,
): Promise<number> {
  let left = total;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: contenders }, async (_, i) => {
      while (left-- > 0) await once(i);
    }),
  );
  return (total / (performance.now() - t)) * 1000;
}

try {
  for (let round = 0; round < ROUNDS; round++) {
    const ours = Array.from(
      { length: CONTENDERS },
      () => new EtcdLocker({ hosts: etcd.endpoint, prefix: `bench/${round}/` }),
    );
    const [a, b] = ours as [EtcdLocker, EtcdLocker];
    await timeIt(UNCONTENDED, s.oursU, async () => (await a.acquire("u")).release());
    await timeIt(UNCONTENDED, s.peerU, async () =>
      (await peer.lock(`peer/${round}/u`).acquire()).release(),
    );
    s.oursH.push(...(await handoffSamples(a, b, "h", HANDOFFS)));
    for (let i = 0; i < HANDOFFS; i++) {
      const held = await peer.lock(`peer/${round}/h`).acquire();
      let gotAt = 0;
      const next = acquireRetrying(() => peer.lock(`peer/${round}/h`)).then((lock) => {
        gotAt = performance.now();
        return lock;
      });
      await sleep(30 + Math.random() * 10);
      const t = performance.now();
      await held.release();
      const nextLock = await next;
      s.peerH.push(gotAt - t);
      await nextLock.release();
    }
    s.oursT.push(
      await throughput(CONTENDERS, CONTENDED_OPS, async (i) => {
        const lock = await (ours[i] as EtcdLocker).acquire("t");
        await sleep(1);
        await lock.release();
      }),
    );
    s.peerT.push(
      await throughput(CONTENDERS, CONTENDED_OPS, async () => {
        const lock = await acquireRetrying(() => peer.lock(`peer/${round}/t`));
        await sleep(1);
        await lock.release();
      }),
    );
    await Promise.all(ours.map((l) => l.close()));
  }
} finally {
  peer.close();
  await etcd.stop();
}

const f = (n: number) => n.toFixed(2);
const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
console.log(
  `\nmachine: ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}, etcd on 127.0.0.1${quick ? " (quick mode)" : ""}\n`,
);
console.log(
  "| measure | lockgate EtcdLocker | etcd3 lock(), retried every 10 ms | ratio (etcd3 / ours) |",
);
console.log("|---|---|---|---|");
console.log(
  `| uncontended acquire+release p50 ms | ${f(p(s.oursU, 0.5))} | ${f(p(s.peerU, 0.5))} | ${f(p(s.peerU, 0.5) / p(s.oursU, 0.5))} |`,
);
console.log(
  `| uncontended acquire+release p99 ms | ${f(p(s.oursU, 0.99))} | ${f(p(s.peerU, 0.99))} | ${f(p(s.peerU, 0.99) / p(s.oursU, 0.99))} |`,
);
console.log(
  `| handoff, release to next holder p50 ms | ${f(p(s.oursH, 0.5))} | ${f(p(s.peerH, 0.5))} | ${f(p(s.peerH, 0.5) / p(s.oursH, 0.5))} |`,
);
console.log(
  `| handoff p99 ms | ${f(p(s.oursH, 0.99))} | ${f(p(s.peerH, 0.99))} | ${f(p(s.peerH, 0.99) / p(s.oursH, 0.99))} |`,
);
console.log(
  `| ${CONTENDERS} contenders holding 1 ms, ops/s | ${mean(s.oursT).toFixed(0)} | ${mean(s.peerT).toFixed(0)} | ${f(mean(s.peerT) / mean(s.oursT))} |`,
);

const side = (label: string, value: number) => ({ label, value });
const peerName = "etcd3 lock(), retry every 10 ms";
reportBench([
  {
    suite: "etcd",
    measure: "uncontended acquire+release, p50",
    unit: "ms",
    ours: side("EtcdLocker", p(s.oursU, 0.5)),
    peer: side(peerName, p(s.peerU, 0.5)),
  },
  {
    suite: "etcd",
    measure: "handoff to the next holder, p50",
    unit: "ms",
    ours: side("EtcdLocker", p(s.oursH, 0.5)),
    peer: side(peerName, p(s.peerH, 0.5)),
  },
  {
    suite: "etcd",
    measure: "handoff to the next holder, p99",
    unit: "ms",
    ours: side("EtcdLocker", p(s.oursH, 0.99)),
    peer: side(peerName, p(s.peerH, 0.99)),
  },
  {
    suite: "etcd",
    measure: `${CONTENDERS} contenders holding 1 ms, throughput`,
    unit: "ops/s",
    ours: side("EtcdLocker (FIFO)", mean(s.oursT)),
    peer: side(peerName, mean(s.peerT)),
  },
]);
