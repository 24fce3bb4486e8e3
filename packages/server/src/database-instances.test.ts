import { join } from "node:path";
import { PostgresServer, RedisServer } from "@lockgate/process-harness";
import { afterAll, beforeAll, describe } from "vitest";
import { type ServerProcess, startServerProcess } from "./test-support/server-process.ts";
import { itSharesOneStore } from "./test-support/shared-store-checks.ts";

// Lock-server instances on Redis and on PostgreSQL, the password in the environment (never on
// the command line): clients spread across instances exclude each other, and a release through
// one instance reaches a waiter on another through the database's change notices.
const TOKEN = "database-token-0123456789abcdef";
const redis = new RedisServer({ password: "redis-secret-for-the-server" });
const postgres = new PostgresServer();
const entry = join(import.meta.dirname, "main.ts");
const instances: Record<"redis" | "postgres", ServerProcess[]> = { redis: [], postgres: [] };

beforeAll(async () => {
  await Promise.all([redis.start(), postgres.start()]);
  for (const runtime of ["node", "bun", "deno"] as const) {
    instances.redis.push(
      await startServerProcess(
        runtime,
        ["--token", TOKEN, "--store", "redis", "--redis-url", redis.url],
        entry,
        { LOCKGATE_REDIS_PASSWORD: "redis-secret-for-the-server" },
      ),
    );
    instances.postgres.push(
      await startServerProcess(
        runtime,
        ["--token", TOKEN, "--store", "postgres", "--postgres-url", postgres.url],
        entry,
        { PGPASSWORD: postgres.password },
      ),
    );
  }
}, 90_000);
afterAll(async () => {
  await Promise.all([...instances.redis, ...instances.postgres].map((s) => s.stop()));
  await Promise.all([redis.stop(), postgres.stop()]);
});

for (const kind of ["redis", "postgres"] as const) {
  describe(`three lock-server instances on one ${kind} (Node, Bun and Deno)`, () => {
    itSharesOneStore(() => instances[kind], TOKEN, { rounds: 8, settleMs: 200 });
  });
}
