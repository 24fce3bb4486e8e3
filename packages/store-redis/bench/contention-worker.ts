// One contender process of the cross-process bench: RedisLocker ("ours") or redlock retried
// every 10 ms ("peer") on one lock. Args: ours|peer, redis URL, then contentionWorkerMain's.
import process from "node:process";
import { contentionWorkerMain, redlockSubject } from "@lockgate/process-harness";
import { RedisLocker } from "../src/redis-locker.ts";

const [kind = "ours", url = "", ...rest] = process.argv.slice(2);
if (kind === "ours") {
  const locker = new RedisLocker({ url, prefix: "processes:" });
  await contentionWorkerMain(
    () => locker.acquire("contended"),
    () => locker.close(),
    rest,
  );
} else {
  const client = await redlockSubject(url).client();
  await contentionWorkerMain(
    async () => {
      const lock = await client.acquire("processes-contended");
      return { release: async () => void (await lock.release()) };
    },
    async () => void (await client.close?.()),
    rest,
  );
}
