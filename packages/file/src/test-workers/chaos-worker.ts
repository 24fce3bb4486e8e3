// A chaos worker on FileLocker: see runChaosWorker. Args: lock dir, then runChaosCase's.
import process from "node:process";
import { chaosWorkerMain } from "@lockgate/process-harness";
import { FileLocker } from "../file-locker.ts";

const [dir = ""] = process.argv.slice(2);
await chaosWorkerMain(new FileLocker(dir, { leaseTtl: 1_000 }), process.argv.slice(-3));
