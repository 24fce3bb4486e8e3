// The lease algorithm over the in-process store against async-mutex, the in-process floor: what
// the lease record, fencing and queue cost when no I/O hides them. BENCH_QUICK=1 only proves it runs.
import { cpus } from "node:os";
import { createLocker } from "@lockgate/core";
import { reportBench } from "@lockgate/process-harness";
import { Mutex } from "async-mutex";
import { MemoryStore } from "../src/memory-store.ts";

const quick = process.env.BENCH_QUICK === "1";
const ROUNDS = quick ? 1 : 5;
const UNCONTENDED = quick ? 200 : 5_000;
const HANDOFFS = quick ? 50 : 1_000;
const p = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] as number;
const s = {
  oursU: [] as number[],
  peerU: [] as number[],
  oursH: [] as number[],
  peerH: [] as number[],
};

for (let round = 0; round < ROUNDS; round++) {
  const store = new MemoryStore();
  const a = createLocker(store);
  const b = createLocker(store); // a second backend, as another component would have
  const mutex = new Mutex();
  for (let i = 0; i < UNCONTENDED; i++) {
    let t = performance.now();
    await (await a.acquire("u")).release();
    s.oursU.push(performance.now() - t);
    t = performance.now();
    (await mutex.acquire())();
    s.peerU.push(performance.now() - t);
  }
  for (let i = 0; i < HANDOFFS; i++) {
    const held = await a.acquire("h");
    const next = b.acquire("h");
    await new Promise((resolve) => setImmediate(resolve));
    let t = performance.now();
    await held.release();
    await (await next).release();
    s.oursH.push(performance.now() - t);
    const release = await mutex.acquire();
    const waiting = mutex.acquire();
    await new Promise((resolve) => setImmediate(resolve));
    t = performance.now();
    release();
    (await waiting)();
    s.peerH.push(performance.now() - t);
  }
  await Promise.all([a.close(), b.close()]);
}

const f = (n: number) => (n * 1000).toFixed(1);
console.log(
  `\nmachine: ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}${quick ? " (quick mode)" : ""}\n`,
);
console.log("| measure | lockgate over MemoryStore | async-mutex |");
console.log("|---|---|---|");
console.log(
  `| uncontended acquire+release p50 us | ${f(p(s.oursU, 0.5))} | ${f(p(s.peerU, 0.5))} |`,
);
console.log(`| handoff p50 us | ${f(p(s.oursH, 0.5))} | ${f(p(s.peerH, 0.5))} |`);
const side = (label: string, value: number) => ({ label, value });
reportBench([
  {
    suite: "memory",
    measure: "uncontended acquire+release, p50",
    unit: "ms",
    ours: side("createLocker(MemoryStore)", p(s.oursU, 0.5)),
    peer: side("async-mutex", p(s.peerU, 0.5)),
  },
  {
    suite: "memory",
    measure: "handoff to the next holder, p50",
    unit: "ms",
    ours: side("createLocker(MemoryStore)", p(s.oursH, 0.5)),
    peer: side("async-mutex", p(s.peerH, 0.5)),
  },
]);
