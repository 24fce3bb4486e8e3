// `lockgate run` beside flock(1) (file) and `etcdctl lock` (etcd), as whole commands from a
// shell: wall time of an uncontended `run NAME -- true`, and the handoff between two runs (from
// the first command's last action to the second command's first). Runs the built CLI
// (dist/bin.js, as npm installs it), interleaving the tools each round so drift hits all alike.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type BenchRow,
  EtcdServer,
  percentile,
  printBenchRows,
  reportBench,
} from "@lockgate/process-harness";

const quick = process.env.BENCH_QUICK === "1";
const uncontendedRounds = quick ? 3 : 40;
const handoffRounds = quick ? 2 : 15;
const bin = join(import.meta.dirname, "..", "dist", "bin.js");
const dir = mkdtempSync(join(tmpdir(), "lockgate-cli-bench-"));
const etcd = new EtcdServer();
await etcd.start();
const endpoint = `127.0.0.1:${etcd.clientPort}`;

type Tool = (name: string, command: string[]) => [string, string[]];
const lockgate =
  (store: string): Tool =>
  (name, command) => [
    process.execPath,
    [bin, "run", name, "--store", store, "-q", "--", ...command],
  ];
const tools: Record<string, Tool> = {
  "lockgate (file)": lockgate(join(dir, "locks")),
  "flock(1)": (name, command) => [
    "flock",
    [join(dir, `${name.replaceAll("/", "_")}.flock`), ...command],
  ],
  "lockgate (etcd)": lockgate(`etcd://${endpoint}/bench/`),
  "etcdctl lock": (name, command) => [
    "etcdctl",
    [`--endpoints=${endpoint}`, "lock", name, "--", ...command],
  ],
};

function timeOnce([command, args]: [string, string[]]): number {
  const started = performance.now();
  const r = spawnSync(command, args, {
    stdio: "ignore",
    env: { ...process.env, ETCDCTL_API: "3" },
  });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${r.status}`);
  return performance.now() - started;
}

function runAsync([command, args]: [string, string[]]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: "ignore",
      env: { ...process.env, ETCDCTL_API: "3" },
    });
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited ${code}`)),
    );
  });
}

const nowNs = "date +%s%N";
/** One handoff: A holds ~0.8 s, B waits; ms from A's last action to B's first. */
async function handoffOnce(tool: Tool, round: string): Promise<number> {
  const id = round.replace(/[^a-z0-9-]/gi, "_");
  const name = `handoff/${id}`;
  const aFile = join(dir, `a-${id}`);
  const bFile = join(dir, `b-${id}`);
  const first = runAsync(tool(name, ["sh", "-c", `sleep 0.8; ${nowNs} > ${aFile}`]));
  await new Promise((resolve) => setTimeout(resolve, 250));
  const second = runAsync(tool(name, ["sh", "-c", `${nowNs} > ${bFile}`]));
  await Promise.all([first, second]);
  return (Number(readFileSync(bFile, "utf8")) - Number(readFileSync(aFile, "utf8"))) / 1e6;
}

function record(samples: Record<string, number[]>, label: string, ms: number): void {
  samples[label] = [...(samples[label] ?? []), ms];
}

const uncontended: Record<string, number[]> = { "node -e 0": [] };
const handoff: Record<string, number[]> = {};
try {
  for (let i = 0; i < uncontendedRounds; i++) {
    uncontended["node -e 0"]?.push(timeOnce([process.execPath, ["-e", "0"]]));
    for (const [label, tool] of Object.entries(tools)) {
      record(uncontended, label, timeOnce(tool("uncontended", ["true"])));
    }
  }
  for (let i = 0; i < handoffRounds; i++) {
    for (const [label, tool] of Object.entries(tools)) {
      record(handoff, label, await handoffOnce(tool, `${i}-${label}`));
    }
  }
} finally {
  await etcd.stop();
  rmSync(dir, { recursive: true, force: true });
}

const p50 = (samples: number[] | undefined) => percentile(samples ?? [], 0.5);
const p90 = (samples: number[] | undefined) => percentile(samples ?? [], 0.9);
const value = (label: string, v: number) => ({ label, value: v });
const rows: BenchRow[] = [
  {
    suite: "cli",
    measure: "run NAME -- true, uncontended, file, p50 wall",
    unit: "ms",
    ours: value("lockgate", p50(uncontended["lockgate (file)"])),
    peer: value("flock(1)", p50(uncontended["flock(1)"])),
  },
  {
    suite: "cli",
    measure: "run NAME -- true, uncontended, etcd, p50 wall",
    unit: "ms",
    ours: value("lockgate", p50(uncontended["lockgate (etcd)"])),
    peer: value("etcdctl lock", p50(uncontended["etcdctl lock"])),
  },
  {
    suite: "cli",
    measure: "CLI start-up beyond `node -e 0` (file run, p50)",
    unit: "ms",
    ours: value("lockgate", p50(uncontended["lockgate (file)"]) - p50(uncontended["node -e 0"])),
  },
  {
    suite: "cli",
    measure: "`node -e 0` alone, p50 (the floor of any Node CLI)",
    unit: "ms",
    ours: value("node", p50(uncontended["node -e 0"])),
  },
  {
    suite: "cli",
    measure: "handoff between two runs, etcd, p50",
    unit: "ms",
    ours: value("lockgate", p50(handoff["lockgate (etcd)"])),
    peer: value("etcdctl lock", p50(handoff["etcdctl lock"])),
  },
  {
    suite: "cli",
    measure: "handoff between two runs, etcd, p90",
    unit: "ms",
    ours: value("lockgate", p90(handoff["lockgate (etcd)"])),
    peer: value("etcdctl lock", p90(handoff["etcdctl lock"])),
  },
  {
    suite: "cli",
    measure: "handoff between two runs, file, p50",
    unit: "ms",
    ours: value("lockgate", p50(handoff["lockgate (file)"])),
    peer: value("flock(1)", p50(handoff["flock(1)"])),
  },
];
printBenchRows(
  rows,
  `${uncontendedRounds} uncontended runs and ${handoffRounds} handoffs per tool, interleaved; built CLI on Node`,
);
reportBench(rows);
