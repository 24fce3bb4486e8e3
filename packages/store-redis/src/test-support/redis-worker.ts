// A process using RedisLocker as an application would: a read-modify-write of a counter file
// under an exclusive lock, logging enter and leave for the checker. Bounded by its iterations.
import process from "node:process";
import { counterRounds, workerMain } from "@lockgate/process-harness";
import { RedisLocker } from "../redis-locker.ts";

const [url = "", prefix = "", counterFile = "", iterations = "0", logFile = ""] =
  process.argv.slice(2);
const locker = new RedisLocker({ url, prefix, leaseTtl: 5_000 });
await workerMain(
  async () => {
    await counterRounds(
      () => locker.acquire("counter", { timeout: 60_000 }),
      counterFile,
      Number(iterations),
      logFile,
    );
  },
  () => locker.close(),
);
