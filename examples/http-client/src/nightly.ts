import { isLockgateError } from "@lockgate/core";
import { HttpLocker } from "@lockgate/http-client";

/** Runs the nightly job on one runner only, whichever reaches the lock server first. */
export async function nightlyOnce(
  job: (signal: AbortSignal, fencingToken: number) => Promise<void>,
): Promise<boolean> {
  const locker = new HttpLocker(process.env.LOCKGATE_URL ?? "http://127.0.0.1:55589", {
    token: process.env.LOCKGATE_TOKEN, // never logged by lockgate
    leaseTtl: 30_000,
  });
  try {
    // The server waits for us; we learn the moment the lock is ours.
    await using lock = await locker.acquire("jobs/nightly", {
      timeout: 60_000,
      value: { runner: process.env.HOSTNAME ?? "?" },
    });
    await job(lock.signal, lock.fencingToken);
    return true;
  } catch (error) {
    if (isLockgateError(error, "timeout")) return false; // another runner has it
    throw error;
  } finally {
    await locker.close();
  }
}
