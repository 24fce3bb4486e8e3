// A chaos worker on PostgresLocker: see runChaosWorker. The connection comes in
// LOCKGATE_TEST_PG as JSON; args are runChaosCase's.
import process from "node:process";
import { chaosWorkerMain } from "@lockgate/process-harness";
import { PostgresLocker } from "../postgres-locker.ts";

const locker = new PostgresLocker({
  connection: JSON.parse(process.env.LOCKGATE_TEST_PG ?? "{}"),
  table: "chaos_locks",
  leaseTtl: 1_500,
  callTimeout: 500,
  maxConnections: 3,
});
await chaosWorkerMain(locker, process.argv.slice(-3));
