// A chaos worker on FileLocker: see runChaosWorker. Args: lock dir, then runChaosCase's.
import process from "node:process";
import { chaosWorkerMain } from "@lockgate/process-harness";
import { FileLocker } from "../file-locker.ts";

const [dir = ""] = process.argv.slice(2);
// staleMs at its 2 s floor: a worker killed holding a key's writer lock blocks writers for 2 s,
// not the default 10 s, and stale-lock takeover (safe by link()) happens often enough to test.
const locker = new FileLocker(dir, { leaseTtl: 1_000, staleMs: 2_000 });
await chaosWorkerMain(locker, process.argv.slice(-3));
