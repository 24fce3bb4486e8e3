import { withAcquire } from "@lockgate/core";
import { RedisLocker } from "@lockgate/store-redis";

/**
 * The nightly report runs once, whichever of the app's replicas the scheduler wakes first;
 * the others wait their turn and find the work done.
 */
export async function runNightlyReport(
  alreadyDone: () => Promise<boolean>,
  build: (fencingToken: number) => Promise<void>,
): Promise<void> {
  const locker = new RedisLocker({
    url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    // The password comes from the environment, never from a URL in a config file or a log.
    redisOptions: { password: process.env.REDIS_PASSWORD },
    prefix: "app-locks:",
  });
  try {
    await withAcquire(locker, "nightly-report", { timeout: 10 * 60_000 }, async (lock) => {
      if (await alreadyDone()) return;
      // Hand the token to every write: storage that checks it refuses a paused, stale holder.
      await build(lock.fencingToken);
    });
  } finally {
    await locker.close();
  }
}
