import { describe, expect, it } from "vitest";
import { OrderedFeed } from "./ordered-feed.ts";

const at = (value: string | null, order: number) => ({
  record: { value, version: value === null ? null : String(order) },
  order,
});

async function take(feed: OrderedFeed, n: number): Promise<(string | null)[]> {
  const controller = new AbortController();
  const seen: (string | null)[] = [];
  for await (const record of feed.records(controller.signal)) {
    seen.push(record.value);
    if (seen.length === n) controller.abort();
  }
  return seen;
}

describe("OrderedFeed", () => {
  it("notices before the first read wait for it; the older ones are dropped", async () => {
    const feed = new OrderedFeed();
    feed.offer(at("b", 2));
    feed.offer(at("d", 4));
    feed.start(at("c", 3));
    feed.offer(at("d", 4)); // twice
    feed.offer(at("c", 3)); // late
    feed.offer(at("e", 5));
    expect(await take(feed, 3)).toEqual(["c", "d", "e"]);
  });

  it("an absent read without an order is news only first; a delete notice has an order", async () => {
    const feed = new OrderedFeed();
    feed.start(at(null, Number.NaN));
    feed.offer(at("a", 7));
    feed.offer(at(null, Number.NaN)); // a stale poll of the absent key
    feed.offer(at(null, 8)); // the delete
    expect(await take(feed, 3)).toEqual([null, "a", null]);
  });

  it("fails after what is queued, and stops when a signal aborts", async () => {
    const feed = new OrderedFeed();
    feed.start(at("a", 1));
    feed.fail(new Error("gone"));
    const seen: (string | null)[] = [];
    await expect(
      (async () => {
        for await (const record of feed.records(new AbortController().signal))
          seen.push(record.value);
      })(),
    ).rejects.toThrow("gone");
    expect(seen).toEqual(["a"]);
    const other = new OrderedFeed();
    const controller = new AbortController();
    const ended = (async () => {
      for await (const _ of other.records(controller.signal)) {
        // nothing arrives
      }
      return "ended";
    })();
    controller.abort();
    expect(await ended).toBe("ended");
  });
});
