// One contender process of the cross-process bench: FileLocker ("ours") or proper-lockfile
// retried every 10 ms ("peer") on one lock. Args: ours|peer, lock directory, then
// contentionWorkerMain's.
import { join } from "node:path";
import process from "node:process";
import { contentionWorkerMain } from "@lockgate/process-harness";
import { lock as properLock } from "proper-lockfile";
import { FileLocker } from "../src/file-locker.ts";

const [kind = "ours", dir = "", ...rest] = process.argv.slice(2);
if (kind === "ours") {
  const locker = new FileLocker(dir, process.env.DURABLE === "1" ? { durable: true } : {});
  await contentionWorkerMain(
    () => locker.acquire("contended"),
    () => locker.close(),
    rest,
  );
} else {
  const retries = { retries: 10_000, factor: 1, minTimeout: 10, maxTimeout: 10 };
  await contentionWorkerMain(
    async () => ({
      release: await properLock(join(dir, "contended"), { realpath: false, retries }),
    }),
    async () => {},
    rest,
  );
}
