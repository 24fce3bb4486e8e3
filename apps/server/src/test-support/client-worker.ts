// A client process using HttpLocker as an application would; bounded by its iterations.
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { HttpLocker } from "@lockgate/http-client";

const [mode = "", url = "", token = "", ...rest] = process.argv.slice(2);
const locker = new HttpLocker(url, { token, leaseTtl: Number(process.env.LEASE_TTL ?? 10_000) });
try {
  if (mode === "counter") {
    const [counterFile = "", iterations = "0", logFile = ""] = rest;
    for (let i = 0; i < Number(iterations); i++) {
      const lock = await locker.acquire("counter", { timeout: 60_000 });
      appendFileSync(logFile, `enter ${process.pid} x ${lock.fencingToken}\n`);
      const value = Number(readFileSync(counterFile, "utf8"));
      await new Promise((resolve) => setImmediate(resolve));
      writeFileSync(counterFile, String(value + 1));
      appendFileSync(logFile, `leave ${process.pid} x ${lock.fencingToken}\n`);
      await lock.release();
    }
  } else if (mode === "hold") {
    const lock = await locker.acquire(rest[0] as string);
    console.log(`acquired ${lock.fencingToken}`);
    await new Promise((resolve) => setTimeout(resolve, 120_000)); // until killed
  }
  await locker.close();
  process.exit(0);
} catch (error) {
  console.error(`client failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
