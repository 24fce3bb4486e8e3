import { createHash } from "node:crypto";
import {
  closedError,
  LockgateError,
  type LockStore,
  type OrderedRecord,
  type StoreCapabilities,
  type StoreRecord,
} from "@lockgate/core";
import { Cluster, Redis, type RedisOptions } from "ioredis";
import { READ_SCRIPT, WRITE_SCRIPT } from "./redis-scripts.ts";
import { RedisWatchHub } from "./redis-watch-hub.ts";

export interface RedisStoreOptions {
  /**
   * Where Redis listens, such as "redis://127.0.0.1:6379" or "rediss://…" for TLS. A password
   * in it works, but prefer `redisOptions.password` (or REDISCLI_AUTH-style env) so it is not in
   * a URL. Ignored when `client` is given. Default redis://127.0.0.1:6379.
   */
  url?: string;
  /** An ioredis client you own (a `Redis` or a `Cluster`); the store never closes it. */
  client?: Redis | Cluster;
  /** Every key is `<prefix>{<lock name>}`: one hash slot per lock. Default "lockgate:". */
  prefix?: string;
  /** Deadline of one call in ms, so an unreachable Redis fails fast. Default 5 000. */
  callTimeout?: number;
  /** Further ioredis options (password, username, tls, db, ...), passed as is. */
  redisOptions?: RedisOptions;
}

const ABSENT: StoreRecord = { value: null, version: null };

/**
 * A LockStore on Redis: every read and compare-and-swap is one server-side script on the
 * lock's one key, and the write script publishes the change on a channel named like the key,
 * so watchers need no `notify-keyspace-events`. Versions are Redis TIME in microseconds, so
 * they never repeat, even after a restart that lost the data.
 */
export class RedisStore implements LockStore {
  /** Pub/sub is at most once; after a reconnect every watch re-reads its key. */
  readonly capabilities: StoreCapabilities = { watch: "latest", list: true };
  readonly client: Redis | Cluster;
  readonly prefix: string;
  readonly #ownsClient: boolean;
  readonly #address: string;
  readonly #hub: RedisWatchHub;
  readonly #closing = new AbortController();

  constructor(options: RedisStoreOptions = {}) {
    const prefix = options.prefix ?? "lockgate:";
    if (/[{}]/.test(prefix)) {
      throw new LockgateError(
        "invalid-argument",
        `prefix ${JSON.stringify(prefix)} must not contain { or }: the lock name is the hash tag`,
      );
    }
    this.prefix = prefix;
    const callTimeout = options.callTimeout ?? 5_000;
    if (options.client) {
      this.client = options.client;
      this.#ownsClient = false;
    } else {
      this.client = new Redis(options.url ?? "redis://127.0.0.1:6379", {
        // Fail calls fast and let the Locker retry with its own backoff.
        commandTimeout: callTimeout,
        connectTimeout: callTimeout,
        maxRetriesPerRequest: 1,
        ...options.redisOptions,
      });
      this.#ownsClient = true;
    }
    this.#address = addressOf(this.client);
    // Without a listener ioredis prints every connection error to the console.
    this.client.on("error", () => {});
    this.#hub = new RedisWatchHub(this.client.duplicate(), (key) => this.#read(key));
  }

  async get(key: string): Promise<StoreRecord> {
    return (await this.#read(key)).record;
  }

  async put(
    key: string,
    value: string | null,
    expectedVersion: string | null,
  ): Promise<string | null> {
    this.#assertOpen();
    const reply = await this.#script("write", key, WRITE_SCRIPT, [
      value ?? "",
      expectedVersion ?? "",
      value === null ? "d" : "w",
    ]);
    const [status, detail, version] = reply;
    if (status === 1) return value === null ? null : String(detail);
    if (status === 2) {
      // The record that won, read in the same script: the Locker retries on it without a read.
      throw new LockgateError(
        "conflict",
        `${JSON.stringify(key)} is no longer at version ${expectedVersion ?? "absent"}`,
        typeof detail === "string" ? { current: { value: detail, version: String(version) } } : {},
      );
    }
    if (status === 3) {
      // Redis lost this key (a restart without its data) or the record was made without the
      // key's floor: the Locker reads again, and its new record starts from the floor.
      throw new LockgateError(
        "conflict",
        `${JSON.stringify(key)}: a new record's fencing counter must start at or above ${String(detail)}`,
      );
    }
    throw foreign(key, this.#redisKey(key), detail);
  }

  watch(key: string, signal: AbortSignal): AsyncIterable<StoreRecord> {
    this.#assertOpen();
    return this.#hub.watch(key, this.#redisKey(key), signal, this.#closing.signal, (error) =>
      this.#unavailable("watch", key, error),
    );
  }

  async list(prefix: string): Promise<string[]> {
    this.#assertOpen();
    const pattern = `${globEscape(this.prefix)}\\{${globEscape(prefix)}*`;
    const nodes = this.client instanceof Cluster ? this.client.nodes("master") : [this.client];
    const names: string[] = [];
    try {
      for (const node of nodes) {
        let cursor = "0";
        do {
          const [next, keys] = await node.scan(cursor, "MATCH", pattern, "COUNT", 500);
          cursor = next;
          const candidates = keys.filter((k) => k.endsWith("}"));
          const present = await Promise.all(candidates.map((k) => node.hexists(k, "value")));
          candidates.forEach((k, i) => {
            if (present[i] === 1) names.push(k.slice(this.prefix.length + 1, -1));
          });
        } while (cursor !== "0");
      }
    } catch (error) {
      throw this.#unavailable("list", prefix, error);
    }
    return names;
  }

  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort();
    await this.#hub.close();
    if (this.#ownsClient) await this.client.quit().catch(() => this.client.disconnect());
  }

  async #read(key: string): Promise<OrderedRecord> {
    this.#assertOpen();
    const [status, a, b] = await this.#script("read", key, READ_SCRIPT, []);
    if (status === 1) return { record: { value: String(a), version: String(b) }, order: Number(b) };
    if (status === 0) return { record: { ...ABSENT, floor: Number(a) }, order: Number(b) };
    throw foreign(key, this.#redisKey(key), a);
  }

  #redisKey(key: string): string {
    return `${this.prefix}{${key}}`;
  }

  /** EVALSHA, and EVAL when Redis does not have the script (first use, or after a restart). */
  async #script(what: string, key: string, lua: string, args: string[]): Promise<unknown[]> {
    const redisKey = this.#redisKey(key);
    try {
      try {
        return (await this.client.evalsha(sha1(lua), 1, redisKey, ...args)) as unknown[];
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
        return (await this.client.eval(lua, 1, redisKey, ...args)) as unknown[];
      }
    } catch (error) {
      throw this.#unavailable(what, key, error);
    }
  }

  #unavailable(what: string, key: string, cause: unknown): LockgateError {
    if (cause instanceof LockgateError) return cause;
    const message = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
    // Wrong credentials or missing ACL permissions do not heal by retrying.
    const permanent = /^(NOAUTH|WRONGPASS|NOPERM)/.test(message ?? "");
    const name = cause instanceof Error ? cause.name : "Error";
    return new LockgateError(
      "store-unavailable",
      `Redis at ${this.#address} could not ${what} ${JSON.stringify(key)} (${name}: ${message})${permanent ? "; check the user and password (or ACL) the store connects with" : ""}`,
      { cause, retryable: !permanent },
    );
  }

  #assertOpen(): void {
    if (this.#closing.signal.aborted) throw closedError("The Redis store");
  }
}

const shas = new Map<string, string>();
function sha1(lua: string): string {
  let sha = shas.get(lua);
  if (!sha) {
    sha = createHash("sha1").update(lua).digest("hex");
    shas.set(lua, sha);
  }
  return sha;
}

function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** host:port, never the URL (it may hold a password). */
function addressOf(client: Redis | Cluster): string {
  if (client instanceof Cluster) return "a Redis Cluster";
  const { host, port, path } = client.options;
  return path ? path : `${host ?? "127.0.0.1"}:${port ?? 6379}`;
}

function foreign(key: string, redisKey: string, detail: unknown): LockgateError {
  return new LockgateError(
    "corrupt-record",
    `${JSON.stringify(key)}: Redis key ${JSON.stringify(redisKey)} is not a lockgate record (${String(detail)}); another program writes under this prefix`,
    { retryable: false },
  );
}
