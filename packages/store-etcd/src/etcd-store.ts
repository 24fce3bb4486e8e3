import {
  closedError,
  LockgateError,
  type LockStore,
  type StoreCapabilities,
  type StoreRecord,
} from "@lockgate/core";
import {
  Etcd3,
  EtcdAuthenticationFailedError,
  EtcdPermissionDeniedError,
  type IOptions,
  type Namespace,
} from "etcd3";

export interface EtcdStoreOptions {
  /** etcd endpoints, such as "http://127.0.0.1:2379". Ignored when `client` is given. */
  hosts?: string | string[];
  /** An etcd3 client you own; the store then never closes it. */
  client?: Etcd3;
  /** Every key lives under this prefix. Default "lockgate/". */
  prefix?: string;
  /** TLS, passed to etcd3 as is. */
  credentials?: IOptions["credentials"];
  /** User and password, passed to etcd3 as is. */
  auth?: IOptions["auth"];
  /** Deadline of one call in ms, so an unreachable etcd fails fast. Default 5 000. */
  callTimeout?: number;
  /** Further etcd3 options (grpcOptions, dialTimeout, ...). */
  etcdOptions?: Omit<IOptions, "hosts" | "credentials" | "auth">;
}

const ABSENT: StoreRecord = { value: null, version: null };

/** A policy that runs the call once: the Locker already retries, with backoff, until its deadline. */
const runOnce = {
  // Async like cockatiel's: etcd3 calls execute(() => { throw e }).catch(...) and needs a promise.
  execute: async (fn: (context: { signal: AbortSignal }) => unknown) =>
    fn({ signal: new AbortController().signal }),
};

/**
 * A LockStore on etcd v3: a put is a transaction that compares the key's mod revision (or its
 * absence), so it is linearizable compare-and-swap; versions are etcd revisions, which never
 * repeat. Watches start at the revision after the read they follow, so no change is missed.
 */
export class EtcdStore implements LockStore {
  readonly capabilities: StoreCapabilities = { watch: "every-change", list: true };
  readonly client: Etcd3;
  readonly #ns: Namespace;
  readonly #ownsClient: boolean;
  readonly #closing = new AbortController();
  /** Cancellations of live watches, awaited before the client closes. */
  readonly #watchesEnding = new Set<Promise<unknown>>();

  constructor(options: EtcdStoreOptions = {}) {
    const callTimeout = options.callTimeout ?? 5_000;
    if (options.client) {
      this.client = options.client;
      this.#ownsClient = false;
    } else {
      const hosts = options.hosts ?? "http://127.0.0.1:2379";
      this.client = new Etcd3({
        ...options.etcdOptions,
        hosts,
        ...(options.credentials ? { credentials: options.credentials } : {}),
        ...(options.auth ? { auth: options.auth } : {}),
        defaultCallOptions: (context) =>
          context.isStream ? {} : { deadline: Date.now() + callTimeout },
        // No hidden retries or circuit breaker: a breaker would keep failing calls for seconds
        // after etcd is back, and the Locker retries with backoff itself.
        faultHandling: { host: () => runOnce as never, global: runOnce as never },
      });
      this.#ownsClient = true;
    }
    this.#ns = this.client.namespace(options.prefix ?? "lockgate/");
  }

  async get(key: string): Promise<StoreRecord> {
    this.#assertOpen();
    const response = await this.#call("read", key, () => this.#ns.get(key).exec());
    const kv = response.kvs[0];
    return kv ? { value: kv.value.toString("utf8"), version: kv.mod_revision } : ABSENT;
  }

  async put(
    key: string,
    value: string | null,
    expectedVersion: string | null,
  ): Promise<string | null> {
    this.#assertOpen();
    if (expectedVersion !== null && !/^\d+$/.test(expectedVersion)) {
      // Not a revision: it cannot be this key's version.
      throw new LockgateError(
        "conflict",
        `${JSON.stringify(key)} is not at version ${expectedVersion}`,
      );
    }
    const condition =
      expectedVersion === null
        ? this.#ns.if(key, "Create", "==", 0)
        : this.#ns.if(key, "Mod", "==", expectedVersion);
    const write = value === null ? this.#ns.delete().key(key) : this.#ns.put(key).value(value);
    const response = await this.#call("write", key, () => condition.then(write).commit());
    if (!response.succeeded) {
      throw new LockgateError(
        "conflict",
        `${JSON.stringify(key)} is no longer at version ${expectedVersion ?? "absent"}`,
      );
    }
    return value === null ? null : response.header.revision;
  }

  async *watch(key: string, signal: AbortSignal): AsyncIterable<StoreRecord> {
    this.#assertOpen();
    const initial = await this.#call("read", key, () => this.#ns.get(key).exec());
    const pending: StoreRecord[] = [];
    const first = initial.kvs[0];
    pending.push(
      first ? { value: first.value.toString("utf8"), version: first.mod_revision } : ABSENT,
    );
    let failure: unknown;
    let wake = () => {};
    // Live before the first item is handed out, from the revision right after the read.
    const watcher = await this.#call("watch", key, () =>
      this.#ns
        .watch()
        .key(key)
        .startRevision((BigInt(initial.header.revision) + 1n).toString())
        .create(),
    );
    watcher.on("put", (kv) => {
      pending.push({ value: kv.value.toString("utf8"), version: kv.mod_revision });
      wake();
    });
    watcher.on("delete", () => {
      pending.push(ABSENT);
      wake();
    });
    watcher.on("error", (error) => {
      failure = error;
      wake();
    });
    const stop = () => wake();
    signal.addEventListener("abort", stop);
    this.#closing.signal.addEventListener("abort", stop);
    try {
      while (!signal.aborted && !this.#closing.signal.aborted) {
        const next = pending.shift();
        if (next) {
          yield next;
          continue;
        }
        if (failure !== undefined) throw unavailable("watch", key, failure);
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      signal.removeEventListener("abort", stop);
      this.#closing.signal.removeEventListener("abort", stop);
      const ending = watcher.cancel().catch(() => {});
      this.#watchesEnding.add(ending);
      await ending;
      this.#watchesEnding.delete(ending);
    }
  }

  async list(prefix: string): Promise<string[]> {
    this.#assertOpen();
    return this.#call("list", prefix, () => this.#ns.getAll().prefix(prefix).keys());
  }

  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort();
    // Let watches cancel their streams first: closing under them leaves gRPC errors unhandled.
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.allSettled([...this.#watchesEnding]);
    if (this.#ownsClient) this.client.close();
  }

  async #call<T>(what: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw unavailable(what, key, error);
    }
  }

  #assertOpen(): void {
    if (this.#closing.signal.aborted) {
      throw closedError("The etcd store");
    }
  }
}

function unavailable(what: string, key: string, cause: unknown): LockgateError {
  if (cause instanceof LockgateError) return cause;
  const permanent =
    cause instanceof EtcdPermissionDeniedError || cause instanceof EtcdAuthenticationFailedError;
  const reason =
    cause instanceof Error ? `${cause.name}: ${cause.message.split("\n")[0]}` : String(cause);
  return new LockgateError(
    "store-unavailable",
    `etcd could not ${what} ${JSON.stringify(key)} (${reason})${permanent ? "; check the user's role grants" : ""}`,
    { cause, retryable: !permanent },
  );
}
