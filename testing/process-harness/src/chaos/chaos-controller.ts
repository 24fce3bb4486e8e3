import type { ChildProcess } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";

export interface ChaosOptions {
  /** Starts worker number `i` (a replacement gets a new number). */
  start: (i: number) => ChildProcess;
  workers: number;
  logFile: string;
  durationMs: number;
  /** Time between two faults. */
  faultEveryMs: number;
  /** How long a paused (SIGSTOP) worker stays paused: longer than the lease TTL to matter. */
  pauseMs: number;
  /** Restarts the store or server, when the backend has one. */
  restartStore?: () => Promise<void>;
  /** Share of faults that are restarts, when `restartStore` is given. Default 0.2. */
  restartShare?: number;
  random?: () => number;
}

export interface ChaosRun {
  readonly faults: { kill: number; pause: number; restart: number };
  /** Exit codes of workers that were not killed (0 expected). */
  readonly exits: (number | null)[];
  readonly stderr: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => (performance.timeOrigin + performance.now()).toFixed(1);

/** The pid inside the critical section now, by the log: the last "enter" without its "leave". */
function holderByLog(logFile: string): string | undefined {
  const inside = new Set<string>();
  for (const line of readFileSync(logFile, "utf8").split("\n")) {
    const [event, pid = ""] = line.split(" ");
    if (event === "enter") inside.add(pid);
    else if (event === "leave" || event === "kill") inside.delete(pid);
  }
  return [...inside].at(-1);
}

/**
 * Runs workers while faults hit them: SIGKILL (and a replacement started), SIGSTOP of the holder
 * for `pauseMs` then SIGCONT (a holder that wakes up after its lease is gone: fencing must stop
 * it), and store restarts. Every fault is logged to the chaos log. Ends when the workers do.
 */
export async function runChaos(o: ChaosOptions): Promise<ChaosRun> {
  const random = o.random ?? Math.random;
  const log = (line: string) => appendFileSync(o.logFile, `${line} ${now()}\n`);
  const live = new Map<number, ChildProcess>();
  const exits: (number | null)[] = [];
  const stderr: string[] = [];
  const done: Promise<void>[] = [];
  const faults = { kill: 0, pause: 0, restart: 0 };
  let next = 0;
  const spawnOne = () => {
    const child = o.start(next++);
    const pid = child.pid as number;
    live.set(pid, child);
    let err = "";
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    done.push(
      new Promise<void>((resolve) =>
        child.on("exit", (code, signal) => {
          live.delete(pid);
          if (signal !== "SIGKILL") exits.push(code);
          if (err && signal !== "SIGKILL") stderr.push(err);
          resolve();
        }),
      ),
    );
  };
  for (let i = 0; i < o.workers; i++) spawnOne();
  // Faults stop a little before the workers' own end, so the last rounds finish cleanly.
  const faultsStart = performance.now();
  const faultsEnd = faultsStart + o.durationMs - o.pauseMs - 1_000;
  while (performance.now() < faultsEnd) {
    await sleep(o.faultEveryMs * (0.5 + random()));
    // A run given a store to restart restarts it at least once: with ~8 faults a run and a 0.2
    // share, about one run in six drew none (and a test expecting one failed).
    const restartDue =
      o.restartStore !== undefined &&
      faults.restart === 0 &&
      performance.now() > faultsStart + (faultsEnd - faultsStart) / 2;
    const roll = restartDue ? 1 : random();
    if (roll < 0.45) {
      const pid = Number(holderByLog(o.logFile));
      const child = live.get(pid);
      if (!child) continue;
      log(`pause ${pid}`);
      child.kill("SIGSTOP");
      faults.pause++;
      await sleep(o.pauseMs);
      log(`resume ${pid}`);
      child.kill("SIGCONT");
    } else if (roll < 1 - (o.restartStore ? (o.restartShare ?? 0.2) : 0) || !o.restartStore) {
      const pids = [...live.keys()];
      const pid = pids[Math.floor(random() * pids.length)];
      const child = pid === undefined ? undefined : live.get(pid);
      if (!child) continue;
      log(`kill ${pid}`);
      child.kill("SIGKILL");
      faults.kill++;
      spawnOne();
    } else {
      log("restart store");
      await o.restartStore();
      faults.restart++;
    }
  }
  await Promise.all(done);
  return { faults, exits, stderr };
}
