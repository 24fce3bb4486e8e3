// A chaos worker on HttpLocker: see runChaosWorker. Args: server URL, then runChaosCase's.
import process from "node:process";
import { HttpLocker } from "@lockgate/http-client";
import { chaosWorkerMain } from "@lockgate/process-harness";

const [serverUrl = ""] = process.argv.slice(2);
// Short requests: a crashed server must not hold a worker in a request longer than its lease.
const locker = new HttpLocker(serverUrl, { leaseTtl: 1_500, requestTimeout: 1_000 });
await chaosWorkerMain(locker, process.argv.slice(-3));
