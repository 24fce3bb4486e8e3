import { appendFileSync } from "node:fs";
import process from "node:process";
import { workerMain } from "../worker-main.ts";

/** What a chaos worker needs of a lock: any lockgate Lock fits. */
export interface ChaosLock {
  readonly fencingToken: number;
  release(): Promise<void>;
}

/** What a chaos worker script needs of a locker: any lockgate Locker fits. */
export interface ChaosLocker {
  acquire(name: string, options: { timeout: number; limit?: number }): Promise<ChaosLock>;
  /** Campaigning instead of acquiring, for `mode` "election". */
  election?(name: string): {
    campaign(options: { timeout: number }): Promise<{ term: number; resign(): Promise<void> }>;
  };
  close(): Promise<void>;
}

/** What the workers contend for: a lock, a semaphore of N permits, or leadership. */
export type ChaosMode = "lock" | `semaphore:${number}` | "election";

function chaosAcquire(locker: ChaosLocker, mode: ChaosMode): () => Promise<ChaosLock> {
  if (mode === "election") {
    const election = locker.election?.("chaos");
    if (!election) throw new Error("this locker has no election");
    return async () => {
      const leadership = await election.campaign({ timeout: 60_000 });
      return { fencingToken: leadership.term, release: () => leadership.resign() };
    };
  }
  const limit = mode.startsWith("semaphore:") ? Number(mode.slice("semaphore:".length)) : 1;
  return () => locker.acquire("chaos", { timeout: 60_000, ...(limit > 1 ? { limit } : {}) });
}

export interface ChaosWorkerOptions {
  acquire: () => Promise<ChaosLock>;
  resourceUrl: string;
  logFile: string;
  /**
   * Wall-clock time (Date.now()) after which the worker starts no new round: one end for every
   * worker of a run, replacements included, so a run ends when it says.
   */
  endAt: number;
  /** Writes inside each critical section, and the pause between them. */
  writes?: number;
  holdMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The loop every chaos worker runs, whatever the backend: ask, get the lock, claim the resource
 * with the new token before logging "enter" (so the resource knows the newest holder first), write
 * a few times as an application that never checks its lease would, log "leave", release.
 */
export async function runChaosWorker(o: ChaosWorkerOptions): Promise<void> {
  const pid = process.pid;
  const log = (line: string) => appendFileSync(o.logFile, `${line}\n`);
  const write = (token: number) =>
    fetch(`${o.resourceUrl}/write?pid=${pid}&token=${token}`, { method: "POST" }).then(
      (r) => r.status === 200,
    );
  const now = () => (performance.timeOrigin + performance.now()).toFixed(1);
  while (Date.now() < o.endAt) {
    log(`want ${pid} ${now()}`);
    const lock = await o.acquire();
    const token = lock.fencingToken;
    await write(token);
    log(`enter ${pid} ${token} ${now()}`);
    for (let i = 0; i < (o.writes ?? 3); i++) {
      await sleep(o.holdMs ?? 3);
      await write(token);
    }
    log(`leave ${pid} ${token}`);
    await lock.release().catch(() => {}); // a lease lost while paused: release reports it
  }
}

/**
 * The whole body of a chaos worker script: the loop on lock "chaos" (60 s to acquire), then
 * close and exit. `chaosArgs` are the last three command-line arguments `runChaosCase` passes:
 * resource URL, log file, end time.
 */
export function chaosWorkerMain(
  locker: ChaosLocker,
  chaosArgs: readonly string[],
  mode: ChaosMode = "lock",
): Promise<never> {
  const [resourceUrl = "", logFile = "", endAt = "0"] = chaosArgs;
  const acquire = chaosAcquire(locker, mode);
  return workerMain(
    () =>
      runChaosWorker({
        acquire,
        resourceUrl,
        logFile,
        endAt: Number(endAt),
      }),
    () => locker.close(),
  );
}
