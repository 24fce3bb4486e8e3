// A chaos worker on FileLocker: see runChaosWorker. Args: lock dir, resource URL, log, duration ms.
import process from "node:process";
import { runChaosWorker } from "@lockgate/process-harness";
import { FileLocker } from "../file-locker.ts";

const [dir = "", resourceUrl = "", logFile = "", duration = "0"] = process.argv.slice(2);
const locker = new FileLocker(dir, { leaseTtl: 1_000 });
try {
  await runChaosWorker({
    acquire: () => locker.acquire("chaos", { timeout: 60_000 }),
    resourceUrl,
    logFile,
    durationMs: Number(duration),
  });
  await locker.close();
  process.exit(0);
} catch (error) {
  console.error(`chaos worker failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
}
