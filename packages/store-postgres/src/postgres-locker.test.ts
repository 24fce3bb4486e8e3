import { join } from "node:path";
import { isLockgateError } from "@lockgate/core";
import {
  freePort,
  PgBouncer,
  PostgresServer,
  runCounterProcesses,
} from "@lockgate/process-harness";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresLocker } from "./postgres-locker.ts";
import { postgresSchema } from "./postgres-schema.ts";
import { PostgresStore } from "./postgres-store.ts";

const postgres = new PostgresServer();
const bouncer = new PgBouncer(postgres);
beforeAll(async () => {
  await postgres.start();
  await bouncer.start();
}, 60_000);
afterAll(async () => {
  await bouncer.stop();
  await postgres.stop();
});

async function sql(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client(postgres.connection);
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

describe("PostgresLocker on a real PostgreSQL", () => {
  it("4 processes (Node, Node, Bun, Deno) x 150 read-modify-writes, creating the table at once: exact count, never overlapping, tokens increasing", async () => {
    const report = await runCounterProcesses({
      worker: join(import.meta.dirname, "test-support", "postgres-worker.ts"),
      args: ["mp_locks"],
      runtimes: ["node", "node", "bun", "deno"],
      iterations: 150,
      cwd: join(import.meta.dirname, ".."),
      env: { LOCKGATE_TEST_PG: JSON.stringify(postgres.connection) },
    });
    for (const r of report.results) expect(r.code, r.stderr).toBe(0);
    expect(report.count).toBe(report.expected);
    expect(report.problems).toEqual([]);
    expect(report.sections).toBe(report.expected);
    expect(report.tokensIncreasing).toBe(true);
  }, 120_000);

  it("PostgreSQL crashes and comes back on its data: the holder is told, waiters get the lock after, tokens increase", async () => {
    const ttl = 1_500;
    const options = {
      connection: postgres.connection,
      table: "crash_locks",
      leaseTtl: ttl,
      callTimeout: 500,
    };
    const holder = new PostgresLocker(options);
    const waiter = new PostgresLocker(options);
    try {
      const held = await holder.acquire("job");
      const waiting = waiter.acquire("job", { timeout: 60_000 });
      await new Promise((resolve) => setTimeout(resolve, 300)); // queued
      await postgres.crash();
      await new Promise((resolve) => setTimeout(resolve, 2_500)); // past the renew deadline
      expect(held.signal.aborted).toBe(true);
      expect(isLockgateError(held.signal.reason, "lease-lost")).toBe(true);
      await postgres.start();
      const next = await waiting;
      expect(next.fencingToken).toBeGreaterThan(held.fencingToken);
      await next.release();
      await held.release(); // resolves: the lease was already lost
    } finally {
      await Promise.allSettled([holder.close(), waiter.close()]);
    }
  }, 60_000);

  it("behind PgBouncer in transaction mode: locks exclude and hand over; the store finds LISTEN deaf, warns once and polls", async () => {
    const warnings: string[] = [];
    const options = {
      connection: bouncer.connection,
      table: "bouncer_locks",
      probeTimeout: 1_000,
      pollInterval: 50,
      onWarning: (message: string) => warnings.push(message),
    };
    const a = new PostgresLocker(options);
    const b = new PostgresLocker(options);
    try {
      const first = await a.acquire("job");
      let second = false;
      const waiting = b.acquire("job", { timeout: 20_000 }).then((lock) => {
        second = true;
        return lock;
      });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(second).toBe(false);
      await first.release();
      const lock = await waiting;
      expect(lock.fencingToken).toBeGreaterThan(first.fencingToken);
      await lock.release();
      // One warning per store (the waiter's; the holder's too once it follows its lock), however
      // many watches follow.
      const polling = () => warnings.filter((w) => w.includes("polling")).length;
      const warned = polling();
      expect(warned).toBeGreaterThanOrEqual(1);
      expect(warned).toBeLessThanOrEqual(2);
      await Promise.all(
        [a.acquire("other"), b.acquire("third")].map(async (p) => (await p).release()),
      );
      expect(polling()).toBe(warned);
      expect(warnings.join("\n")).not.toContain(postgres.password);
    } finally {
      await Promise.allSettled([a.close(), b.close()]);
    }
  }, 60_000);

  it("a LISTEN connection that is cut comes back and reads its key again: the change made meanwhile arrives", async () => {
    const store = new PostgresStore({ connection: postgres.connection, table: "resync_locks" });
    const writer = new PostgresStore({ connection: postgres.connection, table: "resync_locks" });
    const controller = new AbortController();
    try {
      const first = await writer.put("k", "one", null);
      const seen: (string | null)[] = [];
      const watching = (async () => {
        for await (const record of store.watch("k", controller.signal)) {
          seen.push(record.value);
          if (record.value === "two") return;
        }
      })();
      await expect.poll(() => seen).toEqual(["one"]);
      // Cut the listener (the only session in LISTEN on this channel), then write while it is away.
      await sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()",
      );
      await writer.put("k", "two", first);
      await watching;
      expect(seen).toEqual(["one", "two"]);
    } finally {
      controller.abort();
      await Promise.all([store.close(), writer.close()]);
    }
  }, 30_000);

  it("a foreign row in the table is corrupt-record, never a grant, and is left as it was", async () => {
    const locker = new PostgresLocker({ connection: postgres.connection, table: "foreign_locks" });
    try {
      await locker.store.get("warm-up"); // creates the table
      await sql("INSERT INTO foreign_locks (key, value, version) VALUES ('cache', 'not ours', 1)");
      const error = await locker.acquire("cache", { timeout: 2_000 }).catch((e) => e);
      expect(isLockgateError(error, "corrupt-record"), String(error)).toBe(true);
      const { rows } = await sql("SELECT value FROM foreign_locks WHERE key = 'cache'");
      expect(rows).toEqual([{ value: "not ours" }]);
    } finally {
      await locker.close();
    }
  });

  it("createTable: false on a database without the table says what to run; postgresSchema() creates it", async () => {
    const options = {
      connection: postgres.connection,
      table: "ops.managed_locks",
      createTable: false,
    };
    const locker = new PostgresLocker(options);
    try {
      const error = await locker.acquire("x", { nonBlocking: true }).catch((e) => e);
      expect(isLockgateError(error, "store-unavailable"), String(error)).toBe(true);
      expect(error.retryable).toBe(false);
      expect(error.message).toContain("postgresSchema()");
      await sql("CREATE SCHEMA IF NOT EXISTS ops");
      for (const statement of postgresSchema("ops.managed_locks")) await sql(statement);
      const lock = await new PostgresLocker(options).acquire("x");
      expect(lock.fencingToken).toBe(1);
      await lock.release();
    } finally {
      await locker.close();
    }
  });

  it("an unreachable database is store-unavailable (retryable) with the address, and no password or connection string is printed", async () => {
    const port = await freePort();
    const password = "hunter2-never-printed";
    const locker = new PostgresLocker({
      connectionString: `postgres://lockgate:${password}@127.0.0.1:${port}/postgres`,
      callTimeout: 300,
    });
    try {
      const error = await locker.acquire("x", { nonBlocking: true }).catch((e) => e);
      expect(isLockgateError(error, "store-unavailable"), String(error)).toBe(true);
      expect(error.retryable).toBe(true);
      expect(error.message).toContain(`127.0.0.1:${port}`);
      expect(`${error.message}\n${error.stack}\n${String(error.cause)}`).not.toContain(password);
    } finally {
      await locker.close();
    }
  });

  it("no password at all is not retryable either: a retry loop would leave half-authenticated connections until the server has none left", async () => {
    const { password: _, ...withoutPassword } = postgres.connection;
    const previous = process.env.PGPASSWORD;
    delete process.env.PGPASSWORD;
    const locker = new PostgresLocker({ connection: withoutPassword, callTimeout: 2_000 });
    try {
      const error = await locker.acquire("x", { nonBlocking: true }).catch((e) => e);
      expect(isLockgateError(error, "store-unavailable"), String(error)).toBe(true);
      expect(error.retryable).toBe(false);
      expect(error.message).toMatch(/SASL.*set PGPASSWORD or connection\.password/);
    } finally {
      await locker.close();
      if (previous !== undefined) process.env.PGPASSWORD = previous;
    }
  });

  it("a password given apart from the URL is used (pg would let the URL's absent one win)", async () => {
    const locker = new PostgresLocker({
      connectionString: postgres.url,
      connection: { password: postgres.password },
      table: "separate_password_locks",
    });
    try {
      const lock = await locker.acquire("x", { nonBlocking: true });
      expect(lock?.fencingToken).toBeGreaterThan(0);
      await lock?.release();
    } finally {
      await locker.close();
    }
  });

  it("a wrong password is store-unavailable, not retryable, and does not print the password", async () => {
    const locker = new PostgresLocker({
      connection: { ...postgres.connection, password: "wrong-password-xyz" },
      callTimeout: 2_000,
    });
    try {
      const error = await locker.acquire("x", { nonBlocking: true }).catch((e) => e);
      expect(isLockgateError(error, "store-unavailable"), String(error)).toBe(true);
      expect(error.retryable).toBe(false);
      expect(error.message).toContain("28P01");
      expect(error.message).not.toContain("wrong-password-xyz");
    } finally {
      await locker.close();
    }
  });
});
