// One contender process of the cross-process bench: PostgresLocker ("ours") or
// pg_try_advisory_lock retried every 10 ms ("peer") on one lock. The connection comes in
// LOCKGATE_TEST_PG as JSON; args: ours|peer, then contentionWorkerMain's.
import process from "node:process";
import { contentionWorkerMain, pgAdvisorySubject } from "@lockgate/process-harness";
import { PostgresLocker } from "../src/postgres-locker.ts";

const connection = JSON.parse(process.env.LOCKGATE_TEST_PG ?? "{}");
const [kind = "ours", ...rest] = process.argv.slice(2);
if (kind === "ours") {
  const locker = new PostgresLocker({ connection, table: "process_locks", maxConnections: 3 });
  await contentionWorkerMain(
    () => locker.acquire("contended"),
    () => locker.close(),
    rest,
  );
} else {
  const client = await pgAdvisorySubject(connection, "poll").client();
  await contentionWorkerMain(
    async () => {
      const lock = await client.acquire("processes-contended");
      return { release: async () => void (await lock.release()) };
    },
    async () => void (await client.close?.()),
    rest,
  );
}
