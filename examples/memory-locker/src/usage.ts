import { createLocker, isLockgateError, withAcquire } from "@lockgate/core";
import { MemoryStore } from "@lockgate/store-memory";

export async function deploy(log: (line: string) => void): Promise<void> {
  const locker = createLocker(new MemoryStore(), { leaseTtl: 10_000 });

  // Blocking, with a timeout; `await using` releases at the end of the block.
  {
    await using lock = await locker.acquire("deploy/prod", {
      timeout: 30_000,
      value: { host: "runner-7", job: "release 1.4.2" },
    });
    // Pass the fencing token to what you guard; stop when the lease is lost.
    log(`holding deploy/prod with token ${lock.fencingToken}`);
    await fetchLike(lock.signal);
  }

  // Non-blocking: null when busy.
  const maybe = await locker.acquire("cron/cleanup", { nonBlocking: true });
  if (maybe) {
    try {
      log("cleaning up");
    } finally {
      await maybe.release();
    }
  }

  // Shared holders, and Go lockgate's WithAcquire.
  await withAcquire(locker, "cache/warm", { shared: true }, async (lock) => {
    const info = await locker.inspect("cache/warm");
    log(`${info.holders.length} reader(s), token ${lock.fencingToken}`);
  });

  // Errors carry a code.
  try {
    await locker.acquire("deploy/prod", { timeout: 1 });
  } catch (error) {
    if (isLockgateError(error, "timeout")) log("someone else is deploying");
    else throw error;
  }

  await locker.close();
}

/** Stands in for work that honours an AbortSignal, such as fetch(url, { signal }). */
async function fetchLike(signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
}
