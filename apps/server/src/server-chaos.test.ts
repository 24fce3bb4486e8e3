import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  checkChaosLog,
  freePort,
  type Runtime,
  runChaos,
  startFencedResource,
  startWorker,
} from "@lockgate/process-harness";
import { expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "./test-support/server-process.ts";

// Bounded chaos through the lock server: 4 HttpLocker processes (Node, Bun, Deno, Node) for
// 24 s while holders are SIGSTOPped past their lease (1.5 s), workers are SIGKILLed and
// replaced, and the server itself is SIGKILLed and started again on the same port and file
// store, on the next runtime each time (Node -> Bun -> Deno -> Node ...). The fault sequence
// is seeded so every runtime serves. Longer runs: LOCKGATE_CHAOS_MS=300000.
const durationMs = Number(process.env.LOCKGATE_CHAOS_MS ?? 24_000);
const runtimes: Runtime[] = ["node", "bun", "deno"];

/** mulberry32: a small seeded PRNG, so the share of restarts does not depend on luck. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ServerChaos {
  /** file: survives a server crash, so the server is crashed and restarted. memory: is not. */
  readonly store: "file" | "memory";
  readonly durationMs: number;
}

async function serverChaos({ store, durationMs }: ServerChaos) {
  const dir = mkdtempSync(join(tmpdir(), "lockgate-server-chaos-"));
  const logFile = join(dir, "chaos.log");
  writeFileSync(logFile, "");
  const resource = await startFencedResource(logFile);
  const port = await freePort();
  const served: Runtime[] = [];
  let server: ServerProcess | undefined;
  const startOn = async (runtime: Runtime) => {
    const args = ["--no-auth", "--port", String(port), "--store", store];
    const storeArgs = store === "file" ? ["--file-dir", join(dir, "locks")] : [];
    server = await startServerProcess(runtime, [...args, ...storeArgs]);
    served.push(runtime);
    appendFileSync(logFile, `note server on ${runtime}\n`);
  };
  await startOn("node");
  const url = `http://127.0.0.1:${port}`;
  const worker = join(import.meta.dirname, "test-support", "http-chaos-worker.ts");
  try {
    const run = await runChaos({
      start: (i) =>
        startWorker(
          runtimes[i % 3] as Runtime,
          worker,
          [url, resource.url, logFile, String(durationMs)],
          { cwd: join(import.meta.dirname, "..") },
        ),
      workers: 4,
      logFile,
      durationMs,
      faultEveryMs: 1_500,
      pauseMs: 3_000,
      random: seeded(7),
      ...(store === "file"
        ? {
            restartShare: 0.35,
            restartStore: async () => {
              await server?.stop("SIGKILL");
              await startOn(runtimes[served.length % 3] as Runtime);
            },
          }
        : {}),
    });
    expect(run.stderr).toEqual([]);
    expect(run.exits.every((code) => code === 0)).toBe(true);
    // A waiter may wait out a server restart and a paused holder's lease: bound 20 s.
    const report = checkChaosLog(logFile, 20_000);
    console.log(
      `server chaos (${store} store): ${JSON.stringify({ ...report, problems: report.problems.length, faults: run.faults, served, accepted: resource.accepted })}`,
    );
    expect(report.problems).toEqual([]);
    expect(report.sections).toBeGreaterThan(20);
    return { served };
  } finally {
    await server?.stop("SIGKILL");
    await resource.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

it(
  `chaos with server crashes across Node, Bun and Deno for ${durationMs / 1000} s (file store): exclusion among live holders, fencing stops paused ones`,
  async () => {
    const { served } = await serverChaos({ store: "file", durationMs });
    expect(new Set(served)).toEqual(new Set(runtimes));
  },
  // Replacement workers run their full duration from when they start: up to twice the run.
  2 * durationMs + 60_000,
);

// The memory store dies with the server (and its fencing counter with it), so no restarts:
// workers are killed and paused while the server stays up.
const memoryMs = Math.round(durationMs / 2);
it(
  `chaos on the memory store for ${memoryMs / 1000} s: exclusion among live holders, fencing stops paused ones`,
  () => serverChaos({ store: "memory", durationMs: memoryMs }),
  2 * memoryMs + 60_000,
);
