// A chaos worker on HttpLocker: see runChaosWorker. Args: server URL, resource URL, log, duration ms.
import process from "node:process";
import { HttpLocker } from "@lockgate/http-client";
import { runChaosWorker, workerMain } from "@lockgate/process-harness";

const [serverUrl = "", resourceUrl = "", logFile = "", duration = "0"] = process.argv.slice(2);
// Short requests: a crashed server must not hold a worker in a request longer than its lease.
const locker = new HttpLocker(serverUrl, { leaseTtl: 1_500, requestTimeout: 1_000 });
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
