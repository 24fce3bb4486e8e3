import {
  type LockgateError,
  OrderedFeed,
  type OrderedRecord,
  type StoreRecord,
} from "@lockgate/core";
import type { Client, Notification } from "pg";

const ABSENT: StoreRecord = { value: null, version: null };

export interface PostgresWatchHubOptions {
  readonly channel: string;
  /** A new dedicated connection (not from the pool: LISTEN is session state). */
  readonly connect: () => Promise<Client>;
  /** Reads keys through the pool; absent keys are left out. */
  readonly readMany: (keys: string[]) => Promise<Map<string, OrderedRecord>>;
  /** Sends a NOTIFY through the pool, to check that notices reach the listener. */
  readonly probe: (payload: string) => Promise<void>;
  /** false: poll from the start. */
  readonly listen: boolean;
  readonly pollInterval: number;
  readonly probeTimeout: number;
  readonly warn: (message: string) => void;
}

/**
 * Every watch of a store on one LISTEN connection. Notices older than what a watch has yielded
 * are dropped; after the connection comes back every watched key is read again. Where notices
 * do not arrive (PgBouncer in transaction mode hands LISTEN's session to other clients), the
 * probe sent after LISTEN never comes back, and the hub polls the watched keys instead.
 */
export class PostgresWatchHub {
  readonly #options: PostgresWatchHubOptions;
  readonly #feeds = new Map<string, Set<OrderedFeed>>();
  #listener: Promise<Client | undefined> | undefined;
  #polling: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  #reconnects = 0;

  constructor(options: PostgresWatchHubOptions) {
    this.#options = options;
  }

  async *watch(
    key: string,
    signal: AbortSignal,
    closing: AbortSignal,
    read: () => Promise<OrderedRecord>,
    unavailable: (error: unknown) => LockgateError,
  ): AsyncIterable<StoreRecord> {
    const feed = new OrderedFeed();
    let feeds = this.#feeds.get(key);
    if (!feeds) {
      feeds = new Set();
      this.#feeds.set(key, feeds);
    }
    feeds.add(feed);
    try {
      // Listening (or polling) before the read, so no change between the two is lost.
      try {
        await this.#start();
      } catch (error) {
        throw unavailable(error);
      }
      feed.start(await read());
      yield* feed.records(signal, closing);
    } finally {
      feeds.delete(feed);
      if (feeds.size === 0 && this.#feeds.get(key) === feeds) this.#feeds.delete(key);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#polling) clearInterval(this.#polling);
    for (const feeds of this.#feeds.values()) for (const feed of feeds) feed.wake();
    const listener = await this.#listener?.catch(() => undefined);
    await listener?.end().catch(() => {});
  }

  /** Listening, or polling; a failed first LISTEN is retried by the next watch. */
  async #start(): Promise<void> {
    if (this.#polling) return;
    if (!this.#options.listen) {
      this.#poll();
      return;
    }
    this.#listener ??= this.#listen().catch((error) => {
      this.#listener = undefined;
      throw error;
    });
    await this.#listener;
  }

  async #listen(): Promise<Client | undefined> {
    const { connect, channel, probe, probeTimeout } = this.#options;
    const client = await connect();
    client.on("error", () => {});
    const nonce = `probe-${Math.random().toString(36).slice(2)}`;
    let probed: () => void = () => {};
    const probeArrived = new Promise<void>((resolve) => {
      probed = resolve;
    });
    client.on("notification", (message: Notification) => {
      if (message.payload === JSON.stringify([nonce])) probed();
      else if (message.payload) this.#notice(message.payload);
    });
    try {
      await client.query(`LISTEN "${channel}"`);
      await probe(JSON.stringify([nonce]));
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arrived = await Promise.race([
      probeArrived.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), probeTimeout);
      }),
    ]);
    clearTimeout(timer);
    if (!arrived) {
      this.#options.warn(
        `lockgate: NOTIFY on channel "${channel}" did not reach its LISTEN connection within ${probeTimeout} ms ` +
          `(PgBouncer in transaction mode?); watching by polling every ${this.#options.pollInterval} ms instead. ` +
          "Pass listen: false to poll without trying, or connect LISTEN directly to PostgreSQL.",
      );
      await client.end().catch(() => {});
      this.#poll();
      return undefined;
    }
    client.once("end", () => this.#reconnect());
    if (this.#reconnects > 0) void this.#resync();
    return client;
  }

  /** The LISTEN connection is gone: connect again with backoff, then resync every key. */
  #reconnect(): void {
    if (this.#closed) return;
    this.#reconnects++;
    this.#listener = (async () => {
      for (let attempt = 0; !this.#closed; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 5_000)));
        if (this.#closed) return undefined;
        try {
          return await this.#listen();
        } catch {
          // still down
        }
      }
      return undefined;
    })();
  }

  #poll(): void {
    if (this.#polling || this.#closed) return;
    this.#polling = setInterval(() => void this.#resync(), this.#options.pollInterval);
    this.#polling.unref?.();
  }

  /** Reads every watched key and offers what it finds (absent keys as absent). */
  async #resync(): Promise<void> {
    const keys = [...this.#feeds.keys()];
    if (keys.length === 0) return;
    let found: Map<string, OrderedRecord>;
    try {
      found = await this.#options.readMany(keys);
    } catch {
      return; // down again: the next reconnect or poll reads again
    }
    for (const key of keys) {
      const now = found.get(key) ?? { record: ABSENT, order: Number.NaN };
      for (const feed of this.#feeds.get(key) ?? []) feed.offer(now);
    }
  }

  #notice(payload: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      return; // not ours
    }
    if (!Array.isArray(parsed) || typeof parsed[0] !== "string" || typeof parsed[1] !== "string")
      return;
    const [version, key] = parsed as [string, string, string | null | undefined];
    const feeds = this.#feeds.get(key);
    if (!feeds) return;
    if (parsed.length === 2) {
      // Too large to carry its value: read the row.
      void this.#options
        .readMany([key])
        .then((found) => {
          const now = found.get(key) ?? { record: ABSENT, order: Number.NaN };
          for (const feed of this.#feeds.get(key) ?? []) feed.offer(now);
        })
        .catch(() => {});
      return;
    }
    const value = parsed[2] as string | null;
    const notice: OrderedRecord = {
      record: value === null ? ABSENT : { value, version },
      order: Number(version),
    };
    for (const feed of feeds) feed.offer(notice);
  }
}
