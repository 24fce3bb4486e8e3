// Leader failover on etcd: a leader process is SIGKILLed; the time until the candidate process
// leads. lockgate's election (EtcdLocker) beside etcd3's own Election (lease-based, as its docs
// show), same lease ttl (3 s), interleaved. Both must wait out the dead leader's lease; the
// difference is how soon after that each notices. BENCH_QUICK=1 only proves it runs.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import {
  type BenchRow,
  EtcdServer,
  percentile,
  printBenchRows,
  reportBench,
} from "@lockgate/process-harness";

const quick = process.env.BENCH_QUICK === "1";
const rounds = quick ? 1 : 6;
const TTL_SECONDS = 3;
const worker = join(import.meta.dirname, "failover-worker.ts");

function start(
  kind: string,
  endpoint: string,
  name: string,
): { child: ChildProcess; line: (p: RegExp) => Promise<string> } {
  const child = spawn(
    process.execPath,
    [
      "--conditions=@lockgate/source",
      "--import",
      "tsx",
      worker,
      kind,
      endpoint,
      name,
      String(TTL_SECONDS),
    ],
    {
      cwd: join(import.meta.dirname, ".."),
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let out = "";
  const waiters: (() => void)[] = [];
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk;
    for (const w of waiters) w();
  });
  return {
    child,
    line: (pattern) =>
      new Promise((resolve) => {
        const check = () => {
          const m = pattern.exec(out);
          if (m) resolve(m[0]);
        };
        waiters.push(check);
        check();
      }),
  };
}

async function failoverOnce(kind: string, endpoint: string, round: number): Promise<number> {
  const name = `${kind}-${round}`;
  const leader = start(kind, endpoint, name);
  await leader.line(/elected \d+/);
  const candidate = start(kind, endpoint, name);
  await candidate.line(/campaigning/);
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // the candidate is waiting
  const killedAt = Date.now();
  leader.child.kill("SIGKILL");
  const elected = await candidate.line(/elected \d+/);
  candidate.child.kill("SIGKILL");
  return Number(elected.split(" ")[1]) - killedAt;
}

const etcd = new EtcdServer();
await etcd.start();
const samples: Record<string, number[]> = { ours: [], peer: [] };
try {
  for (let round = 0; round < rounds; round++) {
    for (const kind of ["ours", "peer"])
      samples[kind]?.push(await failoverOnce(kind, etcd.endpoint, round));
  }
} finally {
  await etcd.stop();
}
const row = (measure: string, q: number): BenchRow => ({
  suite: "etcd election",
  measure,
  unit: "ms",
  ours: { label: "EtcdLocker election", value: percentile(samples.ours ?? [], q) },
  peer: { label: "etcd3 Election", value: percentile(samples.peer ?? [], q) },
});
const rows = [
  row(`leader SIGKILLed until the candidate leads (lease ttl ${TTL_SECONDS} s), p50`, 0.5),
  row(`leader SIGKILLed until the candidate leads (lease ttl ${TTL_SECONDS} s), max`, 1),
];
printBenchRows(
  rows,
  `etcd 3.4 on 127.0.0.1, ${rounds} failovers each, leader and candidate separate Node processes`,
);
reportBench(rows);
