// A chaos worker on EtcdLocker: see runChaosWorker. Args: endpoint, then runChaosCase's.
import process from "node:process";
import { chaosWorkerMain } from "@lockgate/process-harness";
import { EtcdLocker } from "../etcd-locker.ts";

const [endpoint = ""] = process.argv.slice(2);
const locker = new EtcdLocker({
  hosts: endpoint,
  prefix: "chaos/",
  leaseTtl: 1_500,
  callTimeout: 500,
});
await chaosWorkerMain(locker, process.argv.slice(-3));
