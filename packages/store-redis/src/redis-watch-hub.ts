import type { LockgateError, StoreRecord } from "@lockgate/core";
import type { Cluster, Redis } from "ioredis";
import type { OrderedRecord } from "./redis-store.ts";

const ABSENT: StoreRecord = { value: null, version: null };

/** One watch: what it has yielded up to (by version order) and what is waiting to be yielded. */
interface WatchFeed {
  readonly key: string;
  /** Until the first read is in, notices wait here: they may be older than that read. */
  early: OrderedRecord[] | undefined;
  order: number;
  readonly pending: StoreRecord[];
  failure: LockgateError | undefined;
  wake: () => void;
}

/**
 * Every watch of a store on one subscriber connection: one channel per watched key (the write
 * script publishes on it), notices older than what a watch has yielded are dropped, and after
 * the connection comes back every watched key is read again, so a lost notice is never missed
 * for longer than a reconnect.
 */
export class RedisWatchHub {
  readonly #subscriber: Redis | Cluster;
  readonly #read: (key: string) => Promise<OrderedRecord>;
  readonly #feeds = new Map<string, Set<WatchFeed>>();
  #readyBefore = false;

  constructor(subscriber: Redis | Cluster, read: (key: string) => Promise<OrderedRecord>) {
    this.#subscriber = subscriber;
    this.#read = read;
    subscriber.on("error", () => {});
    subscriber.on("message", (channel: string, message: string) => {
      const feeds = this.#feeds.get(channel);
      if (feeds) for (const feed of feeds) offer(feed, parseNotice(message));
    });
    subscriber.on("ready", () => {
      if (this.#readyBefore) void this.#resync();
      this.#readyBefore = true;
    });
  }

  async *watch(
    key: string,
    channel: string,
    signal: AbortSignal,
    closing: AbortSignal,
    unavailable: (error: unknown) => LockgateError,
  ): AsyncIterable<StoreRecord> {
    const feed: WatchFeed = {
      key,
      early: [],
      order: -1,
      pending: [],
      failure: undefined,
      wake: () => {},
    };
    let feeds = this.#feeds.get(channel);
    if (!feeds) {
      feeds = new Set();
      this.#feeds.set(channel, feeds);
    }
    feeds.add(feed);
    const stop = () => feed.wake();
    signal.addEventListener("abort", stop);
    closing.addEventListener("abort", stop);
    try {
      // Subscribed before the read, so no change between the two is lost.
      try {
        await this.#subscriber.subscribe(channel);
      } catch (error) {
        throw unavailable(error);
      }
      const first = await this.#read(key);
      const early = feed.early ?? [];
      feed.early = undefined;
      offer(feed, first);
      for (const notice of early) offer(feed, notice);
      while (!signal.aborted && !closing.aborted) {
        const next = feed.pending.shift();
        if (next) {
          yield next;
          continue;
        }
        if (feed.failure) throw feed.failure;
        await new Promise<void>((resolve) => {
          feed.wake = resolve;
        });
      }
    } finally {
      signal.removeEventListener("abort", stop);
      closing.removeEventListener("abort", stop);
      feeds.delete(feed);
      if (feeds.size === 0 && this.#feeds.get(channel) === feeds) {
        this.#feeds.delete(channel);
        await this.#subscriber.unsubscribe(channel).catch(() => {});
      }
    }
  }

  async close(): Promise<void> {
    for (const feeds of this.#feeds.values()) for (const feed of feeds) feed.wake();
    await this.#subscriber.quit().catch(() => this.#subscriber.disconnect());
  }

  /** After a reconnect: subscribed again (ioredis does that too), then every key read again. */
  async #resync(): Promise<void> {
    const channels = [...this.#feeds.keys()];
    if (channels.length === 0) return;
    try {
      await this.#subscriber.subscribe(...channels);
    } catch {
      return; // gone again; the next ready resyncs
    }
    await Promise.all(
      channels.map(async (channel) => {
        const feeds = this.#feeds.get(channel);
        const key = feeds?.values().next().value?.key;
        if (!feeds || key === undefined) return;
        try {
          const now = await this.#read(key);
          for (const feed of feeds) offer(feed, now);
        } catch {
          // Redis went away again; the next ready resyncs.
        }
      }),
    );
  }
}

/** Queues `notice` if it is newer than what the feed has yielded or queued. */
function offer(feed: WatchFeed, notice: OrderedRecord): void {
  if (feed.early) {
    feed.early.push(notice);
    return;
  }
  if (notice.order <= feed.order) return;
  feed.order = notice.order;
  feed.pending.push(notice.record);
  feed.wake();
}

/** "v<version>\n<value>" after a write, "d<version>" after a delete. */
function parseNotice(message: string): OrderedRecord {
  if (message.startsWith("d")) return { record: ABSENT, order: Number(message.slice(1)) };
  const newline = message.indexOf("\n");
  const version = message.slice(1, newline);
  return { record: { value: message.slice(newline + 1), version }, order: Number(version) };
}
