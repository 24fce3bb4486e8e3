// A chaos worker on EtcdLocker: see runChaosWorker. Args: endpoint, mode (lock, semaphore:N,
// election), then runChaosCase's.
import process from "node:process";
import { type ChaosMode, chaosWorkerMain } from "@lockgate/process-harness";
import { EtcdLocker } from "../etcd-locker.ts";

const [endpoint = "", mode = "lock"] = process.argv.slice(2);
const locker = new EtcdLocker({
  hosts: endpoint,
  prefix: `chaos-${mode.replace(":", "-")}/`,
  leaseTtl: 1_500,
  callTimeout: 500,
});
await chaosWorkerMain(locker, process.argv.slice(-3), mode as ChaosMode);
