import {
  type AcquireRequest,
  createLocker,
  type LockStore,
  ManualClock,
  StoreLeaseBackend,
  type StoreRecord,
} from "@lockgate/core";
import { MemoryStore } from "@lockgate/store-memory";
import { describe, expect, it } from "vitest";

// Round trips are the cost of a lock on every store with latency: count them per operation, so
// that a change which adds one shows here.

/** A store that counts its calls (watches counted once each, however long they run). */
class CountingStore implements LockStore {
  readonly capabilities: LockStore["capabilities"];
  readonly calls = { get: 0, put: 0, conflicts: 0, watch: 0 };
  /** Watches not yet stopped. */
  openWatches = 0;
  readonly #inner: MemoryStore;

  constructor(inner: MemoryStore) {
    this.#inner = inner;
    this.capabilities = inner.capabilities;
  }

  get(key: string): Promise<StoreRecord> {
    this.calls.get++;
    return this.#inner.get(key);
  }

  async put(key: string, value: string | null, expected: string | null): Promise<string | null> {
    this.calls.put++;
    try {
      return await this.#inner.put(key, value, expected);
    } catch (error) {
      this.calls.conflicts++;
      throw error;
    }
  }

  watch(key: string, signal: AbortSignal): AsyncIterable<StoreRecord> {
    this.calls.watch++;
    this.openWatches++;
    signal.addEventListener("abort", () => this.openWatches--, { once: true });
    return this.#inner.watch(key, signal);
  }

  reset(): void {
    Object.assign(this.calls, { get: 0, put: 0, conflicts: 0, watch: 0 });
  }
}

const request = (id: string, name = "job"): AcquireRequest => ({
  name,
  id,
  shared: false,
  ttl: 10_000,
  nonBlocking: false,
});

describe("store calls per operation", () => {
  it("uncontended: acquire of a never-seen name, release, acquire again, renew: one write each, no read", async () => {
    const store = new CountingStore(new MemoryStore());
    const backend = new StoreLeaseBackend(store);
    const first = await backend.acquire(request("a"), { waitMs: 0 });
    expect(first.status).toBe("granted");
    // One write, and no watch: nobody waits, so the holder need not follow the lock.
    expect(store.calls).toEqual({ get: 0, put: 1, conflicts: 0, watch: 0 });
    if (first.status !== "granted") return;

    store.reset();
    await backend.renew(first.lease);
    expect(store.calls).toEqual({ get: 0, put: 1, conflicts: 0, watch: 0 });

    store.reset();
    await backend.release(first.lease);
    expect(store.calls).toEqual({ get: 0, put: 1, conflicts: 0, watch: 0 });

    store.reset();
    const again = await backend.acquire(request("b"), { waitMs: 0 });
    expect(again.status).toBe("granted");
    expect(store.calls).toEqual({ get: 0, put: 1, conflicts: 0, watch: 0 });
    await backend.close();
  });

  it("a name another process already wrote: one create that loses, one read, one write", async () => {
    const shared = new MemoryStore();
    const other = new StoreLeaseBackend(shared);
    const held = await other.acquire(request("other"), { waitMs: 0 });
    if (held.status === "granted") await other.release(held.lease);
    const store = new CountingStore(shared);
    const backend = new StoreLeaseBackend(store);
    const outcome = await backend.acquire(request("mine"), { waitMs: 0 });
    expect(outcome.status).toBe("granted");
    expect(store.calls).toEqual({ get: 1, put: 2, conflicts: 1, watch: 0 });
  });

  it("a handoff is one write: the release grants the next waiter, who learns it from its watch", async () => {
    const shared = new MemoryStore();
    const stores = [0, 1, 2].map(() => new CountingStore(shared));
    const [a, b, c] = stores.map((store) => new StoreLeaseBackend(store)) as [
      StoreLeaseBackend,
      StoreLeaseBackend,
      StoreLeaseBackend,
    ];
    const held = await a.acquire(request("a"), { waitMs: 0 });
    if (held.status !== "granted") throw new Error("not granted");
    const bWaits = b.acquire(request("b"), { waitMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    const cWaits = c.acquire(request("c"), { waitMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    // a was granted alone, so it did not follow the lock: its release loses one race first.
    await a.release(held.lease);
    const bHolds = await bWaits;
    if (bHolds.status !== "granted") throw new Error("b not granted");
    // b was handed the lock with c queued: it follows the lock, so its release is one write,
    // and c learns of its grant from its watch without a call of its own.
    for (const store of stores) store.reset();
    await b.release(bHolds.lease);
    const cHolds = await cWaits;
    expect(cHolds.status).toBe("granted");
    expect(stores[1]?.calls).toEqual({ get: 0, put: 1, conflicts: 0, watch: 0 });
    expect(stores[2]?.calls).toEqual({ get: 0, put: 0, conflicts: 0, watch: 0 });
    if (cHolds.status === "granted") {
      expect(cHolds.lease.token).toBe(bHolds.lease.token + 1);
      // Counted from c's own queue write, before b's release: never later than others count.
      expect(cHolds.sentAt).toBeLessThan(performance.now() - 20);
    }
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it("a Locker's waiter joins with one write: the waiting step right after the join beats no heartbeat", async () => {
    const shared = new MemoryStore();
    const holderStore = new CountingStore(shared);
    const waiterStore = new CountingStore(shared);
    const holder = createLocker(holderStore);
    const waiter = createLocker(waiterStore);
    const held = await holder.acquire("job");
    const waiting = waiter.acquire("job");
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The join (a create-if-absent assumption loses first: this locker never saw the name).
    expect(waiterStore.calls).toMatchObject({ put: 2, conflicts: 1, get: 1 });
    waiterStore.reset();
    await held.release();
    const granted = await waiting;
    // Handed over by the release: the waiter wrote nothing more.
    expect(waiterStore.calls).toMatchObject({ put: 0, get: 0 });
    await granted.release();
    await Promise.all([holder.close(), waiter.close()]);
  });

  it("a handoff noticed late is renewed (a fresh lease, checked by a write), never dated by an old queue write", async () => {
    for (const [lateBy, renewed] of [
      [1_000, false],
      [5_000, true],
    ] as const) {
      const clock = new ManualClock({ start: 10_000 });
      const shared = new MemoryStore();
      const waiterStore = new CountingStore(shared);
      const holder = new StoreLeaseBackend(shared, { clock });
      const waiter = new StoreLeaseBackend(waiterStore, { clock });
      const held = await holder.acquire(request("h"), { waitMs: 0 });
      if (held.status !== "granted") throw new Error("not granted");
      const joinedAt = clock.now();
      expect((await waiter.acquire(request("w"), { waitMs: 0 })).status).toBe("waiting");
      await holder.release(held.lease); // hands the lock to w
      clock.jump(lateBy); // w notices only now (ttl 10 s: ttl/3 is 3.3 s)
      waiterStore.reset();
      const granted = await waiter.acquire(request("w"), { waitMs: 0 });
      if (granted.status !== "granted") throw new Error("not handed over");
      expect(granted.sentAt).toBe(renewed ? clock.now() : joinedAt);
      // Writes that landed (a heartbeat on its remembered version may lose one race first).
      expect(waiterStore.calls.put - waiterStore.calls.conflicts).toBe(renewed ? 1 : 0);
      await Promise.all([holder.close(), waiter.close()]);
    }
  });

  it("a backend holding many quiet locks follows at most 256 of them (a lock server must not keep a watch per held lock)", async () => {
    const store = new CountingStore(new MemoryStore());
    const backend = new StoreLeaseBackend(store);
    const leases = [];
    for (let i = 0; i < 300; i++) {
      const outcome = await backend.acquire(request(`h-${i}`, `quiet-${i}`), { waitMs: 0 });
      if (outcome.status !== "granted") throw new Error(`quiet-${i}: ${outcome.status}`);
      leases.push(outcome.lease);
    }
    // Each follows after 20 ms; the oldest past 256 let go, and their feeds stop after lingering 1 s.
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect(store.calls.watch).toBe(300);
    expect(store.openWatches).toBe(256);
    // The newest still follow: a waiter from another backend on the newest lock is seen, so its
    // release hands over in one write without a conflict.
    const other = new StoreLeaseBackend(store);
    const newest = leases[299] as (typeof leases)[number];
    expect((await other.acquire(request("w", newest.name), { waitMs: 0 })).status).toBe("waiting");
    await new Promise((resolve) => setTimeout(resolve, 20));
    store.reset();
    await backend.release(newest);
    expect(store.calls).toMatchObject({ put: 1, conflicts: 0 });
    await other.close();
    await backend.close();
  });
});
