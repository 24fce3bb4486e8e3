import {
  closedError,
  LockgateError,
  type LockStore,
  type OrderedRecord,
  type StoreCapabilities,
  type StoreRecord,
} from "@lockgate/core";
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
import { postgresNames, postgresSchema, postgresStatements } from "./postgres-schema.ts";
import { PostgresWatchHub } from "./postgres-watch-hub.ts";

/** Where PostgreSQL listens; the password is never printed. */
export interface PostgresConnection {
  host?: string;
  port?: number;
  user?: string;
  password?: string | (() => string | Promise<string>);
  database?: string;
  /** TLS, passed to pg as is (`true`, or tls.connect options). */
  ssl?: boolean | Record<string, unknown>;
}

/** What the store needs of a pool: `pg.Pool` fits. */
export interface PostgresPool {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}

export interface PostgresStoreOptions {
  /**
   * "postgres://user@host:5432/db". A password in it works, but prefer `connection.password`
   * or PGPASSWORD, so it is in no URL. Default: pg's defaults (PGHOST, PGUSER, ... or localhost).
   */
  connectionString?: string;
  /** Host, port, user, password, database, ssl; wins over the URL's. */
  connection?: PostgresConnection;
  /** A pool you own (a pg.Pool); the store never ends it. LISTEN still needs `connection`. */
  pool?: PostgresPool;
  /** Table (optionally schema-qualified). Default "lockgate_locks". */
  table?: string;
  /** Create the table and its sequence if absent. Default true; false if you manage schemas. */
  createTable?: boolean;
  /** Every key starts with this (several stores may share a table). Default "". */
  prefix?: string;
  /** Deadline of one call (connecting included) in ms. Default 5 000. */
  callTimeout?: number;
  /** Pool size when the store makes the pool. Default 10. */
  maxConnections?: number;
  /**
   * LISTEN for changes on one dedicated connection. Default true; where notices never arrive
   * (PgBouncer in transaction mode) the store finds out once and polls. false: always poll.
   */
  listen?: boolean;
  /** How often watches poll without LISTEN, ms. Default 250. */
  pollInterval?: number;
  /** How long to wait for the LISTEN probe, ms. Default 2 000. */
  probeTimeout?: number;
  /** Told once when the store falls back to polling. Default console.warn. */
  onWarning?: (message: string) => void;
}

const ABSENT: StoreRecord = { value: null, version: null };
/** SQLSTATEs that retrying does not heal: authentication, authorization, a missing database. */
const PERMANENT = new Set(["28000", "28P01", "42501", "3D000", "42P01"]);
/** Another store created the table or sequence at the same moment. */
const ALREADY_CREATED = new Set(["23505", "42P07"]);

/**
 * A LockStore on PostgreSQL: one row per lock in one table, every read and compare-and-swap a
 * single statement on a pool (no session state and no advisory locks, so PgBouncer in
 * transaction mode is fine), and each write's NOTIFY in the same statement. Versions come from
 * a sequence, so they never repeat.
 */
export class PostgresStore implements LockStore {
  /** Notices can be lost while LISTEN reconnects; every watch reads its key again after. */
  readonly capabilities: StoreCapabilities = { watch: "latest", list: true };
  readonly pool: PostgresPool;
  readonly #ownsPool: boolean;
  readonly #address: string;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #sql: ReturnType<typeof postgresStatements>;
  readonly #schema: string[] | undefined;
  readonly #hub: PostgresWatchHub;
  readonly #closing = new AbortController();
  #ready: Promise<void> | undefined;

  constructor(options: PostgresStoreOptions = {}) {
    const names = postgresNames(options.table ?? "lockgate_locks");
    this.#sql = postgresStatements(names);
    this.#channel = names.channel;
    this.#schema = options.createTable === false ? undefined : postgresSchema(options.table);
    this.#prefix = options.prefix ?? "";
    const callTimeout = options.callTimeout ?? 5_000;
    const config: pg.ClientConfig = {
      // pg lets a connectionString override explicit fields (a password given apart from the
      // URL was dropped); parsed here, the explicit `connection` wins as documented.
      ...(options.connectionString
        ? definedFields(parseIntoClientConfig(options.connectionString))
        : {}),
      ...options.connection,
      connectionTimeoutMillis: callTimeout,
      query_timeout: callTimeout,
      application_name: "lockgate",
    } as pg.ClientConfig;
    this.#address = addressOf(options);
    if (options.pool) {
      this.pool = options.pool;
      this.#ownsPool = false;
    } else {
      const pool = new pg.Pool({ ...config, max: options.maxConnections ?? 10 });
      // An idle connection that breaks emits here; without a listener the process would crash.
      pool.on("error", () => {});
      this.pool = pool;
      this.#ownsPool = true;
    }
    const warn = options.onWarning ?? ((message: string) => console.warn(message));
    this.#hub = new PostgresWatchHub({
      channel: this.#channel,
      connect: async () => {
        const client = new pg.Client(config);
        client.on("error", () => {});
        await client.connect();
        return client;
      },
      readMany: (keys) => this.#readMany(keys),
      probe: async (payload) => {
        await this.#query("watch", "(probe)", "SELECT pg_notify($1, $2)", [this.#channel, payload]);
      },
      listen: options.listen ?? true,
      pollInterval: options.pollInterval ?? 250,
      probeTimeout: options.probeTimeout ?? 2_000,
      warn: once(warn),
    });
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
    await this.#ensureTable();
    const k = this.#prefix + key;
    if (expectedVersion !== null && !/^\d{1,19}$/.test(expectedVersion)) {
      // Not a version this store hands out: it cannot be this key's.
      throw conflict(key, expectedVersion);
    }
    let rows: Record<string, unknown>[];
    if (value === null) {
      if (expectedVersion === null) {
        // Deleting an absent key: a conflict if it exists.
        const found = await this.#read(key);
        if (found.record.value !== null) throw conflict(key, null);
        return null;
      }
      rows = await this.#query("write", key, this.#sql.delete, [k, expectedVersion, this.#channel]);
      if (rows.length === 0) throw conflict(key, expectedVersion);
      return null;
    }
    rows =
      expectedVersion === null
        ? await this.#query("write", key, this.#sql.create, [k, value, this.#channel])
        : await this.#query("write", key, this.#sql.update, [
            k,
            value,
            this.#channel,
            expectedVersion,
          ]);
    const row = rows[0];
    if (row?.lost === true) {
      throw conflict(key, expectedVersion, {
        value: String(row.value),
        version: String(row.version),
      });
    }
    if (typeof row?.version !== "string") throw conflict(key, expectedVersion);
    return row.version;
  }

  watch(key: string, signal: AbortSignal): AsyncIterable<StoreRecord> {
    this.#assertOpen();
    return this.#hub.watch(
      this.#prefix + key,
      signal,
      this.#closing.signal,
      () => this.#read(key),
      (error) => this.#unavailable("watch", key, error),
    );
  }

  async list(prefix: string): Promise<string[]> {
    this.#assertOpen();
    await this.#ensureTable();
    const rows = await this.#query("list", prefix, this.#sql.list, [this.#prefix + prefix]);
    return rows.map((row) => String(row.key).slice(this.#prefix.length));
  }

  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort();
    await this.#hub.close();
    if (this.#ownsPool) await this.pool.end().catch(() => {});
  }

  async #read(key: string): Promise<OrderedRecord> {
    this.#assertOpen();
    await this.#ensureTable();
    const rows = await this.#query("read", key, this.#sql.get, [this.#prefix + key]);
    const row = rows[0];
    if (!row) return { record: ABSENT, order: Number.NaN };
    const version = String(row.version);
    return { record: { value: String(row.value), version }, order: Number(version) };
  }

  /** Watched keys (prefixed) read in one statement; absent keys are left out. */
  async #readMany(keys: string[]): Promise<Map<string, OrderedRecord>> {
    const rows = await this.#query("read", keys[0] ?? "", this.#sql.getMany, [keys]);
    const found = new Map<string, OrderedRecord>();
    for (const row of rows) {
      const version = String(row.version);
      found.set(String(row.key), {
        record: { value: String(row.value), version },
        order: Number(version),
      });
    }
    return found;
  }

  /** Creates the table once per store, unless told the schema is managed elsewhere. */
  #ensureTable(): Promise<void> {
    const schema = this.#schema;
    if (!schema) return Promise.resolve();
    this.#ready ??= (async () => {
      for (const statement of schema) {
        try {
          await this.#query("create the table for", "(schema)", statement, []);
        } catch (error) {
          const code = (error as { cause?: { code?: string } }).cause?.code;
          if (!code || !ALREADY_CREATED.has(code)) throw error;
        }
      }
    })().catch((error) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #query(
    what: string,
    key: string,
    text: string,
    values: unknown[],
  ): Promise<Record<string, unknown>[]> {
    try {
      return (await this.pool.query(text, values)).rows;
    } catch (error) {
      throw this.#unavailable(what, key, error);
    }
  }

  #unavailable(what: string, key: string, cause: unknown): LockgateError {
    if (cause instanceof LockgateError) return cause;
    const code = (cause as { code?: unknown }).code;
    const message = (cause instanceof Error ? cause.message.split("\n")[0] : String(cause)) ?? "";
    // pg fails SCRAM on our side when it has no password; the server keeps each such
    // connection until its authentication_timeout, so retrying would exhaust max_connections.
    const noPassword = code === undefined && message.startsWith("SASL:");
    const permanent = noPassword || (typeof code === "string" && PERMANENT.has(code));
    const hint =
      code === "42P01"
        ? "; create the table (postgresSchema() gives the statements) or leave createTable on"
        : noPassword
          ? "; the server asks for a password: set PGPASSWORD or connection.password"
          : permanent
            ? "; check the user, password, database and grants the store connects with"
            : "";
    return new LockgateError(
      "store-unavailable",
      `PostgreSQL at ${this.#address} could not ${what} ${JSON.stringify(key)} (${typeof code === "string" ? `${code} ` : ""}${message})${hint}`,
      { cause, retryable: !permanent },
    );
  }

  #assertOpen(): void {
    if (this.#closing.signal.aborted) throw closedError("The PostgreSQL store");
  }
}

function conflict(key: string, expected: string | null, current?: StoreRecord): LockgateError {
  return new LockgateError(
    "conflict",
    `${JSON.stringify(key)} is no longer at version ${expected ?? "absent"}`,
    current ? { current } : {},
  );
}

function once(warn: (message: string) => void): (message: string) => void {
  let told = false;
  return (message) => {
    if (told) return;
    told = true;
    warn(message);
  };
}

/** host:port, never the connection string (it may hold a password). */
function addressOf(options: PostgresStoreOptions): string {
  let host = options.connection?.host;
  let port = options.connection?.port;
  if (options.connectionString && (!host || !port)) {
    try {
      const url = new URL(options.connectionString);
      host ??= url.hostname || undefined;
      port ??= url.port ? Number(url.port) : undefined;
    } catch {
      // not a URL: pg reads it as key=value pairs; name no address rather than print it
    }
  }
  if (options.pool && !host) return "the given pool";
  return `${host ?? process.env.PGHOST ?? "localhost"}:${port ?? process.env.PGPORT ?? 5432}`;
}

function definedFields<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== undefined && v !== null),
  ) as Partial<T>;
}
