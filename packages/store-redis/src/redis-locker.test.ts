import { join } from "node:path";
import { isLockgateError } from "@lockgate/core";
import { freePort, RedisServer, runCounterProcesses } from "@lockgate/process-harness";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisLocker } from "./redis-locker.ts";
import { RedisStore } from "./redis-store.ts";

const redis = new RedisServer();
beforeAll(() => redis.start(), 30_000);
afterAll(() => redis.stop());

describe("RedisLocker on a real redis-server", () => {
  it("4 processes (Node, Node, Bun, Deno) x 200 read-modify-writes: exact count, never overlapping, tokens increasing", async () => {
    // ioredis on every runtime the lock server supports.
    const report = await runCounterProcesses({
      worker: join(import.meta.dirname, "test-support", "redis-worker.ts"),
      args: [redis.url, "mp:"],
      runtimes: ["node", "node", "bun", "deno"],
      iterations: 200,
      cwd: join(import.meta.dirname, ".."),
    });
    for (const r of report.results) expect(r.code, r.stderr).toBe(0);
    expect(report.count).toBe(report.expected);
    expect(report.problems).toEqual([]);
    expect(report.sections).toBe(report.expected);
    expect(report.tokensIncreasing).toBe(true);
  }, 120_000);

  it("redis-server restarted without its data: the holder is told, and fencing tokens keep increasing", async () => {
    const ttl = 1_500;
    const options = { url: redis.url, prefix: "restart:", leaseTtl: ttl, callTimeout: 300 };
    const holder = new RedisLocker(options);
    const later = new RedisLocker(options);
    try {
      // Several grants first, so the counter is above where the record started.
      let last = 0;
      for (let i = 0; i < 5; i++) {
        const lock = await holder.acquire("job");
        expect(lock.fencingToken).toBeGreaterThan(last);
        last = lock.fencingToken;
        await lock.release();
      }
      const held = await holder.acquire("job");
      last = held.fencingToken;
      expect(await later.acquire("job", { nonBlocking: true })).toBeNull(); // busy
      await redis.kill();
      await redis.start(); // empty: no RDB, no AOF
      // The holder's next renewal finds its record gone: told before its lease could end.
      await expect.poll(() => held.signal.aborted, { timeout: ttl }).toBe(true);
      expect(isLockgateError(held.signal.reason, "lease-lost")).toBe(true);
      const reconnected = await later.acquire("job", { timeout: 10_000 });
      // The record is gone, so the lock was free at once; its token is still above every
      // token granted before the restart.
      expect(reconnected.fencingToken).toBeGreaterThan(last);
      await reconnected.release();
    } finally {
      await Promise.allSettled([holder.close(), later.close()]);
    }
  }, 30_000);

  it("a foreign value under the prefix is corrupt-record, never a grant, and is left as it was", async () => {
    const raw = new Redis(redis.url);
    const locker = new RedisLocker({ url: redis.url, prefix: "foreign:" });
    try {
      await raw.set("foreign:{cache}", "not ours");
      await raw.hset("foreign:{session}", "user", "alice");
      for (const name of ["cache", "session"]) {
        const error = await locker.acquire(name, { timeout: 2_000 }).catch((e) => e);
        expect(isLockgateError(error, "corrupt-record"), String(error)).toBe(true);
        expect(error.retryable).toBe(false);
      }
      expect(await raw.get("foreign:{cache}")).toBe("not ours");
      expect(await raw.hgetall("foreign:{session}")).toEqual({ user: "alice" });
    } finally {
      await locker.close();
      raw.disconnect();
    }
  });

  it("an unreachable Redis is store-unavailable (retryable) with the address, and the password is never in it", async () => {
    const port = await freePort();
    const password = "hunter2-never-printed";
    const locker = new RedisLocker({
      url: `redis://:${password}@127.0.0.1:${port}`,
      callTimeout: 300,
      redisOptions: { retryStrategy: () => 100 },
    });
    try {
      const error = await locker.acquire("x", { nonBlocking: true }).catch((e) => e);
      expect(isLockgateError(error, "store-unavailable"), String(error)).toBe(true);
      expect(error.retryable).toBe(true);
      expect(error.message).toContain(`127.0.0.1:${port}`);
      expect(
        JSON.stringify({ m: error.message, s: error.stack, c: String(error.cause) }),
      ).not.toContain(password);
    } finally {
      await locker.close();
    }
  });

  it("a wrong password is store-unavailable, not retryable, and does not print the password", async () => {
    const secured = new RedisServer({ password: "right-password" });
    await secured.start();
    const locker = new RedisLocker({
      url: secured.url,
      callTimeout: 500,
      redisOptions: { password: "wrong-password-xyz" },
    });
    try {
      const error = await locker.acquire("x", { nonBlocking: true }).catch((e) => e);
      expect(isLockgateError(error, "store-unavailable"), String(error)).toBe(true);
      expect(error.retryable).toBe(false);
      expect(error.message).not.toContain("wrong-password-xyz");
      const right = new RedisLocker({
        url: secured.url,
        redisOptions: { password: "right-password" },
      });
      await (await right.acquire("x")).release();
      await right.close();
    } finally {
      await locker.close();
      await secured.stop();
    }
  });

  it("a watch that lost its connection reads its key again after the reconnect: the change made meanwhile arrives", async () => {
    const store = new RedisStore({ url: redis.url, prefix: "resync:", callTimeout: 500 });
    const writer = new RedisStore({ url: redis.url, prefix: "resync:" });
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
      // Cut every client connection of the watcher's store; the write lands while it is away.
      const admin = new Redis(redis.url);
      await admin.client("KILL", "TYPE", "pubsub");
      await writer.put("k", "two", first);
      admin.disconnect();
      await watching;
      expect(seen).toEqual(["one", "two"]);
    } finally {
      controller.abort();
      await Promise.all([store.close(), writer.close()]);
    }
  });
});
