import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";

/** What a worker needs of a held lock. */
export interface HeldLock {
  readonly fencingToken: number;
  release(): Promise<void>;
}

/**
 * The worker side of the exact-counter test: `iterations` times, take the lock, read the
 * counter file, yield to the event loop mid-update, write it back plus one, and log enter and
 * leave for `overlapsIn`. `beforeRelease(i)` runs inside the lock, after "leave" is logged.
 */
export async function counterRounds(
  acquire: () => Promise<HeldLock>,
  counterFile: string,
  iterations: number,
  logFile: string,
  beforeRelease: (round: number) => void = () => {},
): Promise<void> {
  for (let i = 0; i < iterations; i++) {
    const lock = await acquire();
    appendFileSync(logFile, `enter ${process.pid} x ${lock.fencingToken}\n`);
    const value = Number(readFileSync(counterFile, "utf8"));
    await new Promise((resolve) => setImmediate(resolve));
    writeFileSync(counterFile, String(value + 1));
    appendFileSync(logFile, `leave ${process.pid} x ${lock.fencingToken}\n`);
    beforeRelease(i);
    await lock.release();
  }
}

/** A counter file at "0" and an empty log in `dir`, for counterRounds and overlapsIn. */
export function prepareCounterFiles(dir: string): { counter: string; log: string } {
  const counter = join(dir, "counter");
  const log = join(dir, "log");
  writeFileSync(counter, "0");
  writeFileSync(log, "");
  return { counter, log };
}
