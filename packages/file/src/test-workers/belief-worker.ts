// A FileLocker holder that checks its belief every 5 ms: see beliefWorkerMain. Args: lock dir,
// then beliefWorkerMain's.
import process from "node:process";
import { beliefWorkerMain } from "@lockgate/process-harness";
import { FileLocker } from "../file-locker.ts";

const [dir = "", ...rest] = process.argv.slice(2);
await beliefWorkerMain(new FileLocker(dir, { leaseTtl: 1_500 }), rest);
