// A chaos worker on EtcdLocker: see runChaosWorker. Args: endpoint, resource URL, log, duration ms.
import process from "node:process";
import { runChaosWorker, workerMain } from "@lockgate/process-harness";
import { EtcdLocker } from "../etcd-locker.ts";

const [endpoint = "", resourceUrl = "", logFile = "", duration = "0"] = process.argv.slice(2);
const locker = new EtcdLocker({
  hosts: endpoint,
  prefix: "chaos/",
  leaseTtl: 1_500,
  callTimeout: 500,
});
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
