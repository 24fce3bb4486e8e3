// A client process using HttpLocker as an application would; bounded by its iterations.
import process from "node:process";
import { HttpLocker } from "@lockgate/http-client";
import { counterRounds } from "@lockgate/process-harness";

const [mode = "", url = "", token = "", ...rest] = process.argv.slice(2);
const locker = new HttpLocker(url, { token, leaseTtl: Number(process.env.LEASE_TTL ?? 10_000) });
try {
  if (mode === "counter") {
    const [counterFile = "", iterations = "0", logFile = ""] = rest;
    await counterRounds(
      () => locker.acquire("counter", { timeout: 60_000 }),
      counterFile,
      Number(iterations),
      logFile,
    );
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
