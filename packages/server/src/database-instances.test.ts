import { join } from "node:path";
import { HttpLocker } from "@lockgate/http-client";
import { PostgresServer, RedisServer } from "@lockgate/process-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contend } from "./test-support/contend.ts";
import { type ServerProcess, startServerProcess } from "./test-support/server-process.ts";

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
    it("clients spread across them exclude each other, with increasing fencing tokens", async () => {
      const clients = [0, 1, 2, 0, 1, 2].map(
        (i) =>
          new HttpLocker((instances[kind][i] as ServerProcess).url, {
            token: TOKEN,
            leaseTtl: 5_000,
          }),
      );
      const { most, sections, tokens } = await contend(clients, "deploy", 8);
      expect(most).toBe(1);
      expect(sections).toBe(48);
      for (let i = 1; i < tokens.length; i++)
        expect(tokens[i]).toBeGreaterThan(tokens[i - 1] as number);
      await Promise.all(clients.map((c) => c.close()));
    }, 120_000);

    it("a release through one instance hands the lock to a waiter long-polling on another", async () => {
      const [a, b] = [0, 2].map(
        (i) => new HttpLocker((instances[kind][i] as ServerProcess).url, { token: TOKEN }),
      ) as [HttpLocker, HttpLocker];
      const held = await a.acquire("cross");
      const waiting = b.acquire("cross", { timeout: 30_000 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await a.inspect("cross")).waiters).toHaveLength(1);
      await held.release();
      const next = await waiting;
      expect(next.fencingToken).toBe(held.fencingToken + 1);
      await next.release();
      await Promise.all([a.close(), b.close()]);
    }, 60_000);
  });
}
