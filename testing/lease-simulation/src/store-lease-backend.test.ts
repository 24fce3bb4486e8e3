import { StoreLeaseBackend } from "@lockgate/core";
import { MemoryStore } from "@lockgate/store-memory";
import { describe, expect, it } from "vitest";

// The lease algorithm's single steps over store-memory, for interleavings the Locker alone
// never produces but a lock server does: one process steps, another abandons.
describe("StoreLeaseBackend steps", () => {
  it("a waiting step whose request is abandoned meanwhile ends without putting the request back", async () => {
    const backend = new StoreLeaseBackend(new MemoryStore());
    const holder = { name: "x", id: "holder", shared: false, ttl: 10_000, nonBlocking: false };
    const waiter = { ...holder, id: "waiter" };
    expect((await backend.acquire(holder, { waitMs: 0 })).status).toBe("granted");
    // A long-poll on the server: the client behind it has gone and sent abandon.
    const zombie = backend.acquire(waiter, { waitMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await backend.inspect("x")).waiters.map((w) => w.id)).toEqual(["waiter"]);
    await backend.abandon(waiter);
    expect(await zombie).toEqual({ status: "waiting", position: -1 });
    expect((await backend.inspect("x")).waiters).toEqual([]);
    await backend.close();
  });
});
