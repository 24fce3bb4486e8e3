import type { StoreRecord } from "@lockgate/core";
import { type LockgateError, OrderedFeed, type OrderedRecord } from "@lockgate/core";
import type { Cluster, Redis } from "ioredis";

const ABSENT: StoreRecord = { value: null, version: null };

/** A watched key's feeds: its name, to read it again after a reconnect. */
interface Watched {
  readonly key: string;
  readonly feeds: Set<OrderedFeed>;
}

/**
 * Every watch of a store on one subscriber connection: one channel per watched key (the write
 * script publishes on it). After the connection comes back every watched key is read again,
 * so a lost notice is late by a reconnect at most, never missed.
 */
export class RedisWatchHub {
  readonly #subscriber: Redis | Cluster;
  readonly #read: (key: string) => Promise<OrderedRecord>;
  readonly #channels = new Map<string, Watched>();
  #readyBefore = false;

  constructor(subscriber: Redis | Cluster, read: (key: string) => Promise<OrderedRecord>) {
    this.#subscriber = subscriber;
    this.#read = read;
    subscriber.on("error", () => {});
    subscriber.on("message", (channel: string, message: string) => {
      const watched = this.#channels.get(channel);
      if (watched) for (const feed of watched.feeds) feed.offer(parseNotice(message));
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
    const feed = new OrderedFeed();
    let watched = this.#channels.get(channel);
    if (!watched) {
      watched = { key, feeds: new Set() };
      this.#channels.set(channel, watched);
    }
    watched.feeds.add(feed);
    try {
      // Subscribed before the read, so no change between the two is lost.
      try {
        await this.#subscriber.subscribe(channel);
      } catch (error) {
        throw unavailable(error);
      }
      feed.start(await this.#read(key));
      yield* feed.records(signal, closing);
    } finally {
      watched.feeds.delete(feed);
      if (watched.feeds.size === 0 && this.#channels.get(channel) === watched) {
        this.#channels.delete(channel);
        await this.#subscriber.unsubscribe(channel).catch(() => {});
      }
    }
  }

  async close(): Promise<void> {
    for (const { feeds } of this.#channels.values()) for (const feed of feeds) feed.wake();
    await this.#subscriber.quit().catch(() => this.#subscriber.disconnect());
  }

  /** After a reconnect: subscribed again (ioredis does that too), then every key read again. */
  async #resync(): Promise<void> {
    const channels = [...this.#channels.keys()];
    if (channels.length === 0) return;
    try {
      await this.#subscriber.subscribe(...channels);
    } catch {
      return; // gone again; the next ready resyncs
    }
    await Promise.all(
      channels.map(async (channel) => {
        const watched = this.#channels.get(channel);
        if (!watched) return;
        try {
          const now = await this.#read(watched.key);
          for (const feed of watched.feeds) feed.offer(now);
        } catch {
          // Redis went away again; the next ready resyncs.
        }
      }),
    );
  }
}

/** "v<version>\n<value>" after a write, "d<version>" after a delete. */
function parseNotice(message: string): OrderedRecord {
  if (message.startsWith("d")) return { record: ABSENT, order: Number(message.slice(1)) };
  const newline = message.indexOf("\n");
  const version = message.slice(1, newline);
  return { record: { value: message.slice(newline + 1), version }, order: Number(version) };
}
