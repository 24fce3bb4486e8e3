import { describe, expect, it } from "vitest";
import { LeaseObserver } from "./lease-observer.ts";
import type { HolderEntry, LockRecord } from "./lock-record.ts";
import { ManualClock } from "./manual-clock.ts";

const holder = (beat: number, renewedAt: number): HolderEntry => ({
  id: "h",
  shared: false,
  token: 1,
  ttl: 1_000,
  beat,
  renewedAt,
  acquiredAt: 0,
});
const rec = (h: HolderEntry): LockRecord => ({ name: "n", token: 1, holders: [h], queue: [] });

describe("LeaseObserver", () => {
  it("expires a lease ttl after this observer saw its beat, whatever wall time the record claims", () => {
    const world = new ManualClock();
    // This host's wall clock is a day ahead, the holder's an hour behind: neither matters.
    const clock = world.view({ wallSkew: 86_400_000 });
    const observer = new LeaseObserver();
    const h = holder(0, world.wallNow() - 3_600_000);
    observer.observe("n", rec(h), clock.now());
    world.advance(999);
    expect(observer.isExpired("n", "holder", h, clock.now())).toBe(false);
    world.advance(1);
    expect(observer.isExpired("n", "holder", h, clock.now())).toBe(true);
  });

  it("restarts the count on any change, and keeps it on an unchanged re-read", () => {
    const world = new ManualClock();
    const observer = new LeaseObserver();
    observer.observe("n", rec(holder(0, 0)), world.now());
    world.advance(600);
    observer.observe("n", rec(holder(0, 0)), world.now()); // same beat: no restart
    world.advance(400);
    expect(observer.isExpired("n", "holder", holder(0, 0), world.now())).toBe(true);
    observer.observe("n", rec(holder(1, 5)), world.now()); // renewed: restart
    world.advance(999);
    expect(observer.isExpired("n", "holder", holder(1, 5), world.now())).toBe(false);
    expect(observer.nextExpiry("n", rec(holder(1, 5)))).toBe(2_000);
  });

  it("never judges an entry it has not seen, and treats a holder and a queue place apart", () => {
    const world = new ManualClock();
    const observer = new LeaseObserver();
    expect(observer.isExpired("n", "holder", holder(0, 0), 1e9)).toBe(false);
    const q = { id: "h", shared: false, ttl: 1_000, beat: 0, renewedAt: 0, enqueuedAt: 0 };
    observer.observe("n", { name: "n", token: 0, holders: [], queue: [q] }, world.now());
    world.advance(900);
    // Granted: same id, now a holder. Its lease starts now, not when it queued.
    observer.observe("n", rec(holder(0, 0)), world.now());
    world.advance(200);
    expect(observer.isExpired("n", "holder", holder(0, 0), world.now())).toBe(false);
  });

  it("forgets an entry that left the record: back with the same beat, it is counted afresh", () => {
    const world = new ManualClock();
    const observer = new LeaseObserver();
    const other = { ...holder(0, 0), id: "other" };
    const both: LockRecord = { name: "n", token: 1, holders: [holder(0, 0), other], queue: [] };
    expect(observer.observe("n", both, world.now())).toBe(1_000);
    world.advance(600);
    observer.observe("n", { ...both, holders: [other] }, world.now());
    world.advance(100);
    // Observing returns the earliest expiry: "other" still counts from 0, "h" from 700. (A
    // re-read decodes a new object; the very same object again is skipped, see below.)
    expect(observer.observe("n", { ...both }, world.now())).toBe(1_000);
    world.advance(999);
    expect(observer.isExpired("n", "holder", holder(0, 0), world.now())).toBe(false);
    expect(observer.nextExpiry("n", rec(holder(0, 0)))).toBe(1_700);
    world.advance(1);
    expect(observer.isExpired("n", "holder", holder(0, 0), world.now())).toBe(true);
  });

  it("observes one record object once: k waiters of a process reading one change cost one pass", () => {
    const world = new ManualClock();
    const observer = new LeaseObserver();
    const entries = [holder(0, 0), { ...holder(0, 0), id: "other" }];
    let walks = 0;
    const record = { name: "n", token: 1, queue: [] } as unknown as LockRecord;
    Object.defineProperty(record, "holders", {
      get: () => {
        walks++;
        return entries;
      },
    });
    expect(observer.observe("n", record, world.now())).toBe(1_000);
    const firstPass = walks;
    expect(firstPass).toBeGreaterThan(0);
    world.advance(100);
    for (let k = 0; k < 50; k++) expect(observer.observe("n", record, world.now())).toBe(1_000);
    expect(observer.expiryOf("n", record, world.now())).toBe(1_000);
    expect(walks).toBe(firstPass);
    // Once that expiry has passed, expiryOf looks again (a later look may have restarted it).
    world.advance(900);
    expect(observer.expiryOf("n", record, world.now())).toBe(1_000);
    expect(walks).toBeGreaterThan(firstPass);
  });

  it("an older record seen again restarts the count at most: it delays, never hastens, an expiry", () => {
    const world = new ManualClock();
    const observer = new LeaseObserver();
    const first = rec(holder(0, 0));
    observer.observe("n", first, world.now());
    world.advance(500);
    const renewed = rec(holder(1, 1));
    observer.observe("n", renewed, world.now());
    world.advance(500);
    observer.observe("n", first, world.now()); // a stale read, at 1 000
    expect(observer.isExpired("n", "holder", holder(1, 1), world.now())).toBe(false);
    observer.observe("n", renewed, world.now()); // the fresh one again: counted from 1 000
    world.advance(999);
    expect(observer.isExpired("n", "holder", holder(1, 1), world.now())).toBe(false);
    world.advance(1);
    expect(observer.isExpired("n", "holder", holder(1, 1), world.now())).toBe(true);
    expect(observer.isExpired("n", "holder", holder(0, 0), world.now())).toBe(false);
  });

  it("is expired exactly at the time nextExpiry reports, whatever the rounding", () => {
    // 312.001 - 156.001 is 155.99999999999997: judged by the difference, the entry was not yet
    // expired at its own expiry time, and a waiter woken then waited for it again, forever.
    const observer = new LeaseObserver();
    const h = { ...holder(0, 0), ttl: 156 };
    observer.observe("n", rec(h), 156.001);
    const at = observer.nextExpiry("n", rec(h)) as number;
    expect(at).toBe(312.001);
    expect(observer.isExpired("n", "holder", h, at)).toBe(true);
    expect(observer.isExpired("n", "holder", h, 312)).toBe(false);
  });

  it("judges by its own clock rate: a slow observer waits longer in real time", () => {
    const world = new ManualClock();
    const slow = world.view({ rate: 0.5 });
    const observer = new LeaseObserver();
    observer.observe("n", rec(holder(0, 0)), slow.now());
    world.advance(1_500);
    expect(observer.isExpired("n", "holder", holder(0, 0), slow.now())).toBe(false);
    world.advance(500);
    expect(observer.isExpired("n", "holder", holder(0, 0), slow.now())).toBe(true);
  });
});
