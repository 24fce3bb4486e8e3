// FileLocker against proper-lockfile, side by side in one process, in interleaved rounds so
// that drift of this shared machine hits both alike. Quote ratios. BENCH_QUICK=1 only proves
// it runs (CI). DURABLE=1 measures FileLocker with an fsync per write (the default off Linux).
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  benchTable,
  contendAcrossProcesses,
  processContentionRows,
  reportBench,
  runLockBenchSuite,
} from "@lockgate/process-harness";
import { lock as properLock } from "proper-lockfile";
import { FileLocker } from "../src/file-locker.ts";

/** The store's default, or an fsync per write with DURABLE=1. */
const durability = () => (process.env.DURABLE === "1" ? { durable: true } : {});
const root = mkdtempSync(join(tmpdir(), "lockgate-bench-"));
/**
 * proper-lockfile cannot wait for a lock; its users retry. This polls every 10 ms for up to
 * 100 s (retry builds an array of every timeout up front: a million retries cost 70 ms a call).
 */
const PEER_RETRIES = { retries: 10_000, factor: 1, minTimeout: 10, maxTimeout: 10 };
/** 8 Node processes on one lock, FileLocker's and then proper-lockfile's: no shared CPU of one process. */
function acrossProcesses(kind: "ours" | "peer") {
  const dir = join(root, `processes-${kind}`);
  mkdirSync(dir, { recursive: true });
  return contendAcrossProcesses({
    worker: join(import.meta.dirname, "contention-worker.ts"),
    args: [kind, dir],
    options: { cwd: join(import.meta.dirname, "..") },
    durationMs: 5_000,
  });
}
try {
  const inProcess = await runLockBenchSuite({
    suite: "file",
    setting: `one process, lock directory in ${tmpdir()}`,
    // One FileLocker per contender: its own watch and identity, as a process would have.
    ours: {
      label: "FileLocker",
      client: () => new FileLocker(join(root, "ours"), durability()),
    },
    peers: [
      {
        label: "proper-lockfile, retry every 10 ms",
        client: () => ({
          acquire: async (name) => ({
            release: await properLock(join(root, name), {
              realpath: false,
              retries: PEER_RETRIES,
            }),
          }),
        }),
      },
    ],
  });
  const processes = processContentionRows("file", "FileLocker", await acrossProcesses("ours"), {
    label: "proper-lockfile, retry every 10 ms",
    result: await acrossProcesses("peer"),
  });
  console.log(`\n${benchTable(processes)}`);
  reportBench([...inProcess, ...processes]);
} finally {
  rmSync(root, { recursive: true, force: true });
}
