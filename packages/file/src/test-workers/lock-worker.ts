// A process that uses FileLocker the way an application would; the multi-process tests start
// several of these under Node, Bun or Deno and judge what they log. Every mode bounds itself.
import { appendFileSync, promises as fsp, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { counterRounds } from "@lockgate/process-harness";
import { FileLocker } from "../file-locker.ts";

const [mode = "", dir = "", ...rest] = process.argv.slice(2);
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const locker = new FileLocker(dir, {
  leaseTtl: env("LEASE_TTL", 10_000),
  staleMs: env("STALE_MS", 10_000),
  pollInterval: 250,
});
const log = (file: string, line: string) => appendFileSync(file, `${line}\n`); // O_APPEND: one line, one write

async function counter(counterFile: string, iterations: number, logFile: string): Promise<void> {
  const pauseAt = env("PAUSE_AT_RELEASE", -1);
  await counterRounds(
    () => locker.acquire("counter", { timeout: 60_000 }),
    counterFile,
    iterations,
    logFile,
    (i) => {
      if (i === pauseAt) pauseInsideNextCommit();
    },
  );
}

/** Stops this process (SIGSTOP) just before its next record commit: mid-update, on purpose. */
function pauseInsideNextCommit(): void {
  const link = fsp.link;
  fsp.link = async (...args: Parameters<typeof link>) => {
    fsp.link = link;
    console.log("pausing");
    process.kill(process.pid, "SIGSTOP");
    return link(...args);
  };
}

async function mixed(iterations: number, logFile: string): Promise<void> {
  for (let i = 0; i < iterations; i++) {
    const shared = Math.random() < 0.6;
    const lock = await locker.acquire("mixed", { shared, timeout: 60_000 });
    log(logFile, `enter ${process.pid} ${shared ? "s" : "x"} ${lock.fencingToken}`);
    await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 8));
    log(logFile, `leave ${process.pid} ${shared ? "s" : "x"} ${lock.fencingToken}`);
    await lock.release();
  }
}

async function hold(name: string): Promise<void> {
  const lock = await locker.acquire(name);
  console.log(`acquired ${lock.fencingToken}`);
  await new Promise((resolve) => setTimeout(resolve, 120_000)); // until killed; bounded anyway
}

async function waitFor(name: string): Promise<void> {
  const lock = await locker.acquire(name, { timeout: 60_000 });
  console.log(`acquired ${lock.fencingToken} at ${Date.now()}`);
  await lock.release();
}

/** Exclusive holds on a few names at random, each a logged read-modify-write of its counter. */
async function spread(names: number, iterations: number, outDir: string): Promise<void> {
  for (let i = 0; i < iterations; i++) {
    const name = `n${Math.floor(Math.random() * names)}`;
    const lock = await locker.acquire(name, { timeout: 60_000 });
    log(join(outDir, `log-${name}`), `enter ${process.pid} x ${lock.fencingToken}`);
    const counterFile = join(outDir, `counter-${name}`);
    const count = Number(readFileSync(counterFile, "utf8"));
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 2));
    writeFileSync(counterFile, String(count + 1));
    log(join(outDir, `log-${name}`), `leave ${process.pid} x ${lock.fencingToken}`);
    await lock.release();
    // Idle moments, so that names are often free for the compactor.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 4));
  }
}

/** Compacts the directory over and over for `ms`, removing idle names at once. */
async function compact(ms: number): Promise<void> {
  let removed = 0;
  let runs = 0;
  for (const until = Date.now() + ms; Date.now() < until; runs++) {
    removed += (await locker.store.compact({ idleMs: 0 })).removed;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  console.log(`compacted runs=${runs} removed=${removed} lost=${locker.store.lostCompactions}`);
}

try {
  if (mode === "counter") await counter(rest[0] as string, Number(rest[1]), rest[2] as string);
  else if (mode === "mixed") await mixed(Number(rest[0]), rest[1] as string);
  else if (mode === "hold") await hold(rest[0] as string);
  else if (mode === "wait") await waitFor(rest[0] as string);
  else if (mode === "spread") await spread(Number(rest[0]), Number(rest[1]), rest[2] as string);
  else if (mode === "compact") await compact(Number(rest[0]));
  else throw new Error(`unknown mode ${mode}`);
  await locker.close();
  console.log(`done compromised=${locker.store.compromisedLocks}`);
  process.exit(0);
} catch (error) {
  console.error(
    `worker failed: ${error instanceof Error ? `${error.name} ${(error as { code?: string }).code ?? ""}: ${error.message}` : error}`,
  );
  process.exit(1);
}
