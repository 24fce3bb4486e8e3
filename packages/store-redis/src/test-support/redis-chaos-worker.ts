// A chaos worker on RedisLocker: see runChaosWorker. Args: url, then runChaosCase's.
import process from "node:process";
import { chaosWorkerMain } from "@lockgate/process-harness";
import { RedisLocker } from "../redis-locker.ts";

const [url = ""] = process.argv.slice(2);
const locker = new RedisLocker({ url, prefix: "chaos:", leaseTtl: 1_500, callTimeout: 500 });
await chaosWorkerMain(locker, process.argv.slice(-3));
