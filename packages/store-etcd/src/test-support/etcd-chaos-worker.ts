// A chaos worker on EtcdLocker: see runChaosWorker. Args: endpoint, resource URL, log, duration ms.
import process from "node:process";
import { runChaosWorker } from "@lockgate/process-harness";
import { EtcdLocker } from "../etcd-locker.ts";

const [endpoint = "", resourceUrl = "", logFile = "", duration = "0"] = process.argv.slice(2);
const locker = new EtcdLocker({
  hosts: endpoint,
  prefix: "chaos/",
  leaseTtl: 1_500,
  callTimeout: 500,
});
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
