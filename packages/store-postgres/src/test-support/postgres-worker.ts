// A process using PostgresLocker as an application would: a read-modify-write of a counter file
// under an exclusive lock, logging enter and leave for the checker. Bounded by its iterations.
// The connection (with its password) comes in LOCKGATE_TEST_PG as JSON, never as an argument.
import process from "node:process";
import { counterRounds, workerMain } from "@lockgate/process-harness";
import { PostgresLocker } from "../postgres-locker.ts";

const [table = "", counterFile = "", iterations = "0", logFile = ""] = process.argv.slice(2);
const locker = new PostgresLocker({
  connection: JSON.parse(process.env.LOCKGATE_TEST_PG ?? "{}"),
  table,
  leaseTtl: 5_000,
  maxConnections: 3,
});
await workerMain(
  async () => {
    await counterRounds(
      () => locker.acquire("counter", { timeout: 60_000 }),
      counterFile,
      Number(iterations),
      logFile,
    );
  },
  () => locker.close(),
);
