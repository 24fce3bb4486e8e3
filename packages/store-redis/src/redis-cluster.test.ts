import { isLockgateError } from "@lockgate/core";
import { RedisCluster } from "@lockgate/process-harness";
import { describeStoreConformance } from "@lockgate/store-conformance/vitest";
import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisLocker } from "./redis-locker.ts";
import { RedisStore } from "./redis-store.ts";

// A real three-master Redis Cluster: every lock is one key whose hash tag is the lock name, so
// each script runs on the node that owns that slot; watches ride the cluster's pub/sub.
const cluster = new RedisCluster();
beforeAll(() => cluster.start(), 60_000);
afterAll(() => cluster.stop());

const client = () => new Cluster(cluster.nodes, { redisOptions: { commandTimeout: 5_000 } });
let run = 0;
describeStoreConformance("RedisStore on a real Redis Cluster", {
  createStore: () => new RedisStore({ client: client(), prefix: `conformance:${++run}:` }),
  destroyStore: async (store) => {
    await store.close?.();
    await (store as RedisStore).client.quit();
  },
  capabilities: { watch: "latest", list: true },
});

describe("RedisLocker on a Redis Cluster", () => {
  it("locks whose keys live on every master exclude, hand over and list across the cluster", async () => {
    const a = new RedisLocker({ client: client(), prefix: "spread:" });
    const b = new RedisLocker({ client: client(), prefix: "spread:" });
    const names = Array.from({ length: 12 }, (_, i) => `job-${i}`);
    try {
      const held = await Promise.all(names.map((name) => a.acquire(name)));
      for (const name of names) expect(await b.acquire(name, { nonBlocking: true })).toBeNull();
      const waiting = names.map((name) => b.acquire(name, { timeout: 10_000 }));
      await Promise.all(held.map((lock) => lock.release()));
      const next = await Promise.all(waiting);
      for (const [i, lock] of next.entries())
        expect(lock.fencingToken).toBeGreaterThan(
          (held[i] as { fencingToken: number }).fencingToken,
        );
      expect((await a.store.list("job-")).sort()).toEqual([...names].sort());
      const slots = new Set(
        await Promise.all(
          names.map(
            (name) => a.store.client.cluster("KEYSLOT", `spread:{${name}}`) as Promise<number>,
          ),
        ),
      );
      expect(slots.size).toBeGreaterThan(3); // spread over slots, and so over masters
      await Promise.all(next.map((lock) => lock.release()));
    } finally {
      await Promise.all([a.close(), b.close()]);
      await Promise.all([a.store.client.quit(), b.store.client.quit()]);
    }
  }, 60_000);

  it("a key of another program in the cluster is corrupt-record", async () => {
    const raw = client();
    const locker = new RedisLocker({ client: client(), prefix: "foreign:" });
    try {
      await raw.set("foreign:{cache}", "not ours");
      const error = await locker.acquire("cache", { timeout: 2_000 }).catch((e) => e);
      expect(isLockgateError(error, "corrupt-record"), String(error)).toBe(true);
    } finally {
      await locker.close();
      await Promise.all([raw.quit(), locker.store.client.quit()]);
    }
  });
});
