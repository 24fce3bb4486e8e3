import { type AcquireRequest, type Lease, StoreLeaseBackend } from "@lockgate/core";
import { MemoryStore } from "@lockgate/store-memory";
import { describe, expect, it } from "vitest";
import { ServedParties } from "./served-parties.ts";

function request(name: string, id: string, extra: Partial<AcquireRequest> = {}): AcquireRequest {
  return { name, id, shared: false, ttl: 5_000, nonBlocking: false, ...extra };
}

describe("ServedParties", () => {
  it("counts names and holders apart: shared holders of one name are one lock held", async () => {
    let now = 0;
    const served = new ServedParties(new StoreLeaseBackend(new MemoryStore()), { now: () => now });
    const grant = async (r: AcquireRequest): Promise<Lease> => {
      const outcome = await served.acquire(r, { waitMs: 0 });
      if (outcome.status !== "granted") throw new Error(`${r.id}: ${outcome.status}`);
      return outcome.lease;
    };
    const s1 = await grant(request("s", "s1", { shared: true }));
    const s2 = await grant(request("s", "s2", { shared: true }));
    const s3 = await grant(request("s", "s3", { shared: true }));
    const x = await grant(request("x", "x1"));
    expect(await served.acquire(request("x", "w1"), { waitMs: 0 })).toMatchObject({
      status: "waiting",
    });
    expect(served.gauges()).toEqual({ locksHeld: 2, holders: 4, waiters: 1 });

    // A renewal and a repeated grant of a known holder are not new holders.
    await served.renew(s1);
    await grant(request("x", "x1"));
    now = 2_000;
    expect(served.gauges()).toEqual({ locksHeld: 2, holders: 4, waiters: 1 });

    await served.release(s2);
    await served.release(s2); // twice: counted once
    expect(served.gauges()).toMatchObject({ locksHeld: 2, holders: 3 });
    await served.release(s1);
    await served.release(s3);
    expect(served.gauges()).toMatchObject({ locksHeld: 1, holders: 1 });

    // x1 renews at 2 s; the waiter's place was last asked for at 0. At 5.5 s the waiter is
    // gone (ttl 5 s) and x1 is not; at 7.5 s x1 is gone too.
    await served.renew(x);
    now = 5_500;
    expect(served.gauges()).toEqual({ locksHeld: 1, holders: 1, waiters: 0 });
    now = 7_500;
    expect(served.gauges()).toEqual({ locksHeld: 0, holders: 0, waiters: 0 });
  });

  it("forgets one shared holder past its ttl and keeps the others of the name", async () => {
    let now = 0;
    const served = new ServedParties(new StoreLeaseBackend(new MemoryStore()), { now: () => now });
    for (const [id, ttl] of [
      ["a", 1_000],
      ["b", 60_000],
    ] as const) {
      const outcome = await served.acquire(request("s", id, { shared: true, ttl }), { waitMs: 0 });
      expect(outcome.status).toBe("granted");
    }
    now = 1_500;
    expect(served.gauges()).toEqual({ locksHeld: 1, holders: 1, waiters: 0 });
  });
});
