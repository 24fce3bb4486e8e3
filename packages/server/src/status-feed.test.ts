import { type LeaseBackend, StoreLeaseBackend } from "@lockgate/core";
import { MemoryStore } from "@lockgate/store-memory";
import { describe, expect, it } from "vitest";
import { StatusFeed } from "./status-feed.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("StatusFeed", () => {
  it("reads the store only while someone listens, once a second and soon after a poke, and tells only changes", async () => {
    const backend = new StoreLeaseBackend(new MemoryStore());
    let reads = 0;
    const counted = {
      list: (prefix: string) => {
        reads++;
        return backend.list(prefix);
      },
    } as unknown as LeaseBackend;
    const feed = new StatusFeed(counted);
    feed.poke();
    await sleep(100);
    expect(reads).toBe(0);

    const heard: number[] = [];
    const unsubscribe = feed.subscribe((locks) => heard.push(locks.length));
    await sleep(50);
    expect(reads).toBe(1);
    expect(heard).toEqual([0]);
    await backend.acquire(
      { name: "a", id: "h", shared: false, ttl: 10_000, nonBlocking: true },
      { waitMs: 0 },
    );
    feed.poke();
    await sleep(100);
    expect(reads).toBe(2);
    expect(heard).toEqual([0, 1]);
    // Pokes faster than the delay do not postpone the read forever.
    const started = reads;
    for (let i = 0; i < 10; i++) {
      feed.poke();
      await sleep(10);
    }
    expect(reads).toBeGreaterThan(started);
    // Unchanged: read again within a second, but nothing to tell.
    const before = reads;
    await sleep(1_100);
    expect(reads).toBeGreaterThan(before);
    expect(heard).toEqual([0, 1]);
    unsubscribe();
    const after = reads;
    await sleep(1_200);
    expect(reads).toBe(after);
    await backend.close();
  });
});
