// A chaos worker on FileLocker: see runChaosWorker. Args: lock dir, resource URL, log, duration ms.
import process from "node:process";
import { runChaosWorker, workerMain } from "@lockgate/process-harness";
import { FileLocker } from "../file-locker.ts";

const [dir = "", resourceUrl = "", logFile = "", duration = "0"] = process.argv.slice(2);
const locker = new FileLocker(dir, { leaseTtl: 1_000 });
await workerMain(
  async () => {
    await runChaosWorker({
      acquire: () => locker.acquire("chaos", { timeout: 60_000 }),
      resourceUrl,
      logFile,
      durationMs: Number(duration),
    });
  },
  () => locker.close(),
);
