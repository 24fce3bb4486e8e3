import { withAcquire } from "@lockgate/core";
import { PostgresLocker } from "@lockgate/store-postgres";

/**
 * Database migrations run by exactly one of the pods that start together; the others wait,
 * then find nothing left to do. Works through PgBouncer in transaction mode as well.
 */
export async function migrateOnce(migrate: (fencingToken: number) => Promise<void>): Promise<void> {
  const locker = new PostgresLocker({
    // host, user and database from PGHOST, PGUSER, PGDATABASE; the password from PGPASSWORD
    // (or a function that fetches a short-lived token), so it is never in a URL.
    connection: { password: () => process.env.PGPASSWORD ?? "" },
    table: "lockgate_locks", // created if absent; postgresSchema() gives the SQL to run yourself
  });
  try {
    await withAcquire(locker, "migrations", { timeout: 5 * 60_000 }, async (lock) => {
      await migrate(lock.fencingToken);
    });
  } finally {
    await locker.close();
  }
}
