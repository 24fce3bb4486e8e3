import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  freePort,
  type Runtime,
  runChaosCase,
  seededRandom,
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

interface ServerChaos {
  /** file: survives a server crash, so the server is crashed and restarted. memory: is not. */
  readonly store: "file" | "memory";
  readonly durationMs: number;
}

async function serverChaos({ store, durationMs }: ServerChaos) {
  const locks = mkdtempSync(join(tmpdir(), "lockgate-server-chaos-"));
  const port = await freePort();
  const served: Runtime[] = [];
  let server: ServerProcess | undefined;
  const startOn = async (runtime: Runtime) => {
    const args = ["--no-auth", "--port", String(port), "--store", store];
    server = await startServerProcess(runtime, [
      ...args,
      ...(store === "file" ? ["--file-dir", locks] : []),
    ]);
    served.push(runtime);
  };
  const worker = join(import.meta.dirname, "test-support", "http-chaos-worker.ts");
  try {
    await startOn("node");
    const { run, report } = await runChaosCase({
      label: `server (${store} store)`,
      start: (i, chaosArgs) =>
        startWorker(
          runtimes[i % 3] as Runtime,
          worker,
          [`http://127.0.0.1:${port}`, ...chaosArgs],
          { cwd: join(import.meta.dirname, "..") },
        ),
      workers: 4,
      durationMs,
      faultEveryMs: 1_500,
      pauseMs: 3_000,
      random: seededRandom(7),
      ...(store === "file"
        ? {
            restartShare: 0.35,
            restartStore: async () => {
              await server?.stop("SIGKILL");
              await startOn(runtimes[served.length % 3] as Runtime);
            },
          }
        : {}),
      // A waiter may wait out a server restart and a paused holder's lease.
      starvationBoundMs: 20_000,
    });
    console.log(`server (${store} store) served by: ${served.join(", ")}`);
    expect(run.stderr).toEqual([]);
    expect(run.exits.every((code) => code === 0)).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.sections).toBeGreaterThan(20);
    return { served };
  } finally {
    await server?.stop("SIGKILL");
    rmSync(locks, { recursive: true, force: true });
  }
}

it(
  `chaos with server crashes across Node, Bun and Deno for ${durationMs / 1000} s (file store): exclusion among live holders, fencing stops paused ones`,
  async () => {
    const { served } = await serverChaos({ store: "file", durationMs });
    expect(new Set(served)).toEqual(new Set(runtimes));
  },
  durationMs + 90_000,
);

// The memory store dies with the server (and its fencing counter with it), so no restarts:
// workers are killed and paused while the server stays up.
const memoryMs = Math.round(durationMs / 2);
it(
  `chaos on the memory store for ${memoryMs / 1000} s: exclusion among live holders, fencing stops paused ones`,
  () => serverChaos({ store: "memory", durationMs: memoryMs }),
  memoryMs + 90_000,
);
