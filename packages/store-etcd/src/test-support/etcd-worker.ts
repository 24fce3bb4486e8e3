// A process using EtcdLocker as an application would: a read-modify-write of a counter file
// under an exclusive lock, logging enter and leave for the checker. Bounded by its iterations.
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { EtcdLocker } from "../etcd-locker.ts";

const [endpoint = "", prefix = "", counterFile = "", iterations = "0", logFile = ""] =
  process.argv.slice(2);
const locker = new EtcdLocker({ hosts: endpoint, prefix, leaseTtl: 5_000 });
try {
  for (let i = 0; i < Number(iterations); i++) {
    const lock = await locker.acquire("counter", { timeout: 60_000 });
    appendFileSync(logFile, `enter ${process.pid} x ${lock.fencingToken}\n`);
    const value = Number(readFileSync(counterFile, "utf8"));
    await new Promise((resolve) => setImmediate(resolve));
    writeFileSync(counterFile, String(value + 1));
    appendFileSync(logFile, `leave ${process.pid} x ${lock.fencingToken}\n`);
    await lock.release();
  }
  await locker.close();
  process.exit(0);
} catch (error) {
  console.error(`worker failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
