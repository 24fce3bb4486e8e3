import { describe, expect, it } from "vitest";
import { LockgateError } from "./errors.ts";
import { KeyFeed } from "./key-feed.ts";
import type { LockStore, StoreRecord } from "./lock-store.ts";
import { ManualClock } from "./manual-clock.ts";

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A store whose watch opens (yielding the current record, as the contract says) and then breaks. */
function brokenWatchStore(): LockStore & { gets: number; watches: number } {
  const record: StoreRecord = { value: "v", version: "1" };
  const store = {
    capabilities: { watch: "latest" as const, list: false },
    gets: 0,
    watches: 0,
    async get() {
      store.gets++;
      return record;
    },
    async put(): Promise<string | null> {
      throw new Error("not used");
    },
    async *watch() {
      store.watches++;
      yield record;
      throw new LockgateError("store-unavailable", "Not allowed to watch", { retryable: false });
    },
  };
  return store;
}

describe("KeyFeed", () => {
  it("a watch that opens and breaks every time backs off (its first item is no sign of health) and polls meanwhile", async () => {
    const clock = new ManualClock();
    const store = brokenWatchStore();
    const errors: unknown[] = [];
    const feed = new KeyFeed({
      store,
      key: "k",
      clock,
      pollInterval: 100,
      random: () => 0.5,
      onError: (error) => errors.push(error),
      onIdle: () => {},
      linger: 1_000,
    });
    const release = feed.retain();
    try {
      for (let t = 0; t < 10_000; t += 5) {
        clock.advanceTo(clock.now() + 5);
        await flush();
      }
      // Backoff 50 ms doubling, half of each ceiling with random 0.5: 8 tries in 10 s, not ~200.
      expect(store.watches).toBeGreaterThanOrEqual(4);
      expect(store.watches).toBeLessThanOrEqual(10);
      expect(errors).toHaveLength(store.watches);
      // While the watch is down, the key is still polled about every poll interval.
      expect(store.gets).toBeGreaterThanOrEqual(60);
    } finally {
      release();
      feed.stop();
    }
  });

  it("a step's waiter wakes at a new version, at its time, or on abort, and ignores what it knew", async () => {
    const clock = new ManualClock();
    const feed = new KeyFeed({
      store: brokenWatchStore(),
      key: "k",
      clock,
      pollInterval: 100,
      random: () => 0.5,
      onError: () => {},
      onIdle: () => {},
      linger: 1_000,
    });
    const controller = new AbortController();
    const waiter = feed.waiter(controller.signal);
    const settled = (p: Promise<void>) => {
      const state = { done: false, error: undefined as unknown };
      p.then(
        () => (state.done = true),
        (error: unknown) => {
          state.done = true;
          state.error = error;
        },
      );
      return state;
    };

    feed.publish({ value: "a", version: "1" });
    const first = settled(waiter.wait("1", clock.now() + 1_000));
    feed.publish({ value: "a", version: "1" }); // what it knew: no wake
    await flush();
    expect(first.done).toBe(false);
    feed.publish({ value: "b", version: "2" });
    await flush();
    expect(first).toEqual({ done: true, error: undefined });

    // Until its time: the timer armed for 1,000 ms earlier is replaced by an earlier one.
    const second = settled(waiter.wait("2", clock.now() + 50));
    clock.advanceTo(clock.now() + 49);
    await flush();
    expect(second.done).toBe(false);
    clock.advanceTo(clock.now() + 1);
    await flush();
    expect(second.done).toBe(true);

    const third = settled(waiter.wait("2", clock.now() + 10_000));
    controller.abort(new LockgateError("aborted", "stop"));
    await flush();
    expect(third.done).toBe(true);
    expect((third.error as LockgateError).code).toBe("aborted");
    await expect(waiter.wait("2", clock.now() + 10)).rejects.toMatchObject({ code: "aborted" });
    waiter.close();
    feed.stop();
  });
});
