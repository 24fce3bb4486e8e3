import { isLockgateError } from "@lockgate/core";
import { FileLocker } from "@lockgate/file";

/** Runs `migrate` at most once at a time across every process on this host. */
export async function runMigrationOnce(
  lockDir: string,
  migrate: (signal: AbortSignal) => Promise<void>,
): Promise<string> {
  // Every cooperating process points at the same directory; it is created if missing.
  const locker = new FileLocker(lockDir, { leaseTtl: 10_000 });
  try {
    const lock = await locker.acquire("db/migrate", {
      nonBlocking: true,
      value: { pid: process.pid, started: new Date().toISOString() },
    });
    if (!lock) {
      const [holder] = (await locker.inspect("db/migrate")).holders;
      return `already running: ${JSON.stringify(holder?.value)}`;
    }
    try {
      await migrate(lock.signal); // aborts if the lease is lost (disk gone, process paused)
      return `migrated with fencing token ${lock.fencingToken}`;
    } finally {
      await lock.release();
    }
  } catch (error) {
    if (isLockgateError(error, "corrupt-record")) return `fix the lock directory: ${error.message}`;
    throw error;
  } finally {
    await locker.close();
  }
}
