import type { ChildProcess } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";
import process from "node:process";
import { workerMain } from "../worker-main.ts";

/** What a belief worker needs of a lock: any lockgate Lock fits. */
export interface BeliefLock {
  readonly fencingToken: number;
  readonly signal: AbortSignal;
  readonly held: boolean;
  release(): Promise<void>;
}

export interface BeliefLocker {
  acquire(name: string, options: { timeout: number }): Promise<BeliefLock>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A worker script's body: until `endAt` (Date.now()), take the lock, log "enter", and for
 * `holdMs` check every 5 ms whether it still holds it, logging both what `signal.aborted` and
 * what `held` said (signal first: reading `held` may abort it). Args: log file, endAt, holdMs.
 */
export async function beliefWorkerMain(locker: BeliefLocker, args: string[]): Promise<never> {
  const [logFile = "", endAt = "0", holdMs = "300"] = args;
  const pid = process.pid;
  const log = (line: string) => appendFileSync(logFile, `${line}\n`);
  return workerMain(
    async () => {
      while (Date.now() < Number(endAt)) {
        const lock = await locker.acquire("belief", { timeout: 60_000 });
        const token = lock.fencingToken;
        log(`enter ${pid} ${token}`);
        const until = performance.now() + Number(holdMs);
        // A check after every sleep, the last one included: the first thing a resumed holder does.
        for (;;) {
          // The order point of the check: whoever entered before this line, the answers below
          // must know about. (Logged after them, a pause between reading `held` and writing the
          // line would date an answer that was true when given after a later grant.)
          log(`checking ${pid} ${token}`);
          const bySignal = lock.signal.aborted ? 0 : 1;
          const byHeld = lock.held ? 1 : 0;
          log(`check ${pid} ${token} ${bySignal} ${byHeld}`);
          if (!byHeld || performance.now() >= until) break;
          await sleep(5);
        }
        log(`leave ${pid} ${token}`);
        await lock.release().catch(() => {}); // a lease lost while paused: release reports it
        await sleep(Math.random() * 20);
      }
    },
    () => locker.close(),
  );
}

export interface BeliefReport {
  readonly sections: number;
  /** Checks that said "held" though a later grant (a greater token) had entered before they began. */
  readonly staleBySignal: number;
  readonly staleByHeld: number;
  /** Holders that found, on a check, that their lease was gone and someone else had it. */
  readonly caughtByHeld: number;
}

/** Reads a belief log in its real order (one append a line, so order is real order). */
export function checkBeliefLog(logFile: string): BeliefReport {
  let newest = 0;
  let sections = 0;
  let staleBySignal = 0;
  let staleByHeld = 0;
  let caughtByHeld = 0;
  /** The newest grant that had entered when each process logged "checking". */
  const newestAtCheck = new Map<string, number>();
  for (const line of readFileSync(logFile, "utf8").split("\n")) {
    const [event, pid = "", token = "0", bySignal, byHeld] = line.split(" ");
    const t = Number(token);
    if (event === "enter") {
      sections++;
      newest = Math.max(newest, t);
    } else if (event === "checking") {
      newestAtCheck.set(pid, newest);
    } else if (event === "check" && t < (newestAtCheck.get(pid) ?? newest)) {
      if (bySignal === "1") staleBySignal++;
      if (byHeld === "1") staleByHeld++;
      else caughtByHeld++;
    }
  }
  return { sections, staleBySignal, staleByHeld, caughtByHeld };
}

/** The pid inside the lock now by the log: entered and not yet left. */
function holderOf(logFile: string): number | undefined {
  const inside = new Set<string>();
  for (const line of readFileSync(logFile, "utf8").split("\n")) {
    const [event, pid = ""] = line.split(" ");
    if (event === "enter") inside.add(pid);
    else if (event === "leave") inside.delete(pid);
  }
  const pid = [...inside].at(-1);
  return pid === undefined ? undefined : Number(pid);
}

/**
 * Every `everyMs`, SIGSTOPs whichever worker holds the lock for `pauseMs`, then SIGCONTs it,
 * until `untilMs` (performance.now()). Returns how many pauses it made.
 */
export async function pauseHolders(o: {
  readonly children: readonly ChildProcess[];
  readonly logFile: string;
  readonly everyMs: number;
  readonly pauseMs: number;
  readonly untilMs: number;
}): Promise<number> {
  let pauses = 0;
  while (performance.now() + o.pauseMs < o.untilMs) {
    await sleep(o.everyMs);
    const pid = holderOf(o.logFile);
    const child = o.children.find((c) => c.pid === pid && c.exitCode === null);
    if (!child) continue;
    child.kill("SIGSTOP");
    pauses++;
    await sleep(o.pauseMs);
    child.kill("SIGCONT");
  }
  return pauses;
}
