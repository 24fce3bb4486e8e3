import pg from "pg";
import type { BenchSubject } from "../lock-bench.ts";

type Connection = ConstructorParameters<typeof pg.Client>[0];

/**
 * PostgreSQL advisory locks as Node users take them (advisory-lock, pg-advisory-lock): a
 * session lock on a dedicated connection per client. `wait: "block"` is pg_advisory_lock (the
 * server queues the waiter); `wait: "poll"` is pg_try_advisory_lock retried every `retryMs`.
 */
export function pgAdvisorySubject(
  connection: Connection,
  wait: "block" | "poll",
  retryMs = 10,
): BenchSubject {
  return {
    label:
      wait === "block"
        ? "pg_advisory_lock, dedicated connection"
        : `pg_try_advisory_lock, retry every ${retryMs} ms`,
    client: async () => {
      const client = new pg.Client(connection);
      client.on("error", () => {});
      await client.connect();
      return {
        acquire: async (name) => {
          if (wait === "block") {
            await client.query("SELECT pg_advisory_lock(hashtext($1))", [name]);
          } else {
            for (;;) {
              const { rows } = await client.query(
                "SELECT pg_try_advisory_lock(hashtext($1)) AS ok",
                [name],
              );
              if (rows[0]?.ok === true) break;
              await new Promise((resolve) => setTimeout(resolve, retryMs));
            }
          }
          return {
            release: () => client.query("SELECT pg_advisory_unlock(hashtext($1))", [name]),
          };
        },
        close: () => client.end(),
      };
    },
  };
}
