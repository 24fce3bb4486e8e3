import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type AccessToken, fullAccessToken } from "./access-tokens.ts";
import { readTokenFile, TokenFileError } from "./token-file.ts";

export type StoreConfig =
  | { readonly kind: "memory" }
  | {
      readonly kind: "file";
      readonly dir: string;
      readonly staleMs: number;
      /** Compact unused lock names every this many ms (and idle that long); 0: never. Default 600 000. */
      readonly compactEvery?: number;
    }
  | { readonly kind: "etcd"; readonly endpoints: string[]; readonly prefix: string }
  | {
      readonly kind: "redis";
      /** Without a password: that comes separately. */
      readonly url: string;
      readonly prefix: string;
      readonly password?: string;
    }
  | {
      readonly kind: "kubernetes";
      /** `[NAMESPACE/]KIND/NAME`, read by @lockgate/kubernetes's parseObjectPath at start. */
      readonly object: string;
      /** A kubeconfig context other than the current one. */
      readonly context?: string;
    }
  | {
      readonly kind: "postgres";
      /** Without a password: that comes separately (or from PGPASSWORD, read by pg). */
      readonly url: string;
      readonly table: string;
      readonly password?: string;
    };

export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  readonly store: StoreConfig;
  /** Accepted tokens; empty with --no-auth. */
  readonly tokens: readonly AccessToken[];
  /** Worth printing at start (a secret on the command line, a token file others may read). */
  readonly warnings: readonly string[];
  readonly leaseTtl: number;
  readonly maxWait: number;
  readonly goProtocol: boolean;
  readonly corsOrigins: readonly string[];
  /** Node only: how far V8's heap may grow past the live data at each GC, in %; 0: V8's own. */
  readonly heapGrowth: number;
  /** Node only: compact the old generation at every full GC. */
  readonly heapCompact: boolean;
  /** Node and Bun: a full GC once no request started for this long after the heap grew; 0: never. */
  readonly idleGcMs: number;
}

/** A configuration the server refuses to start with; the message says what to fix. */
export class ConfigError extends Error {}

const USAGE = `lockgate server

  --host <addr>            LOCKGATE_HOST            listen address (default 127.0.0.1)
  --port <n>               LOCKGATE_PORT            port (default 55589)
  --store <kind>           LOCKGATE_STORE           memory (default), file, etcd, redis, postgres or kubernetes
  --file-dir <dir>         LOCKGATE_FILE_DIR        lock directory for --store file
  --file-stale-ms <ms>     LOCKGATE_FILE_STALE_MS   a crashed writer's lock on another host's
                                                    process is taken over after this (2000+,
                                                    default 10000; dead owners on this host: at once)
  --file-compact-ms <ms>   LOCKGATE_FILE_COMPACT_MS remove lock names nobody held, waited for or wrote
                                                    for this long, this often (default 600000; 0: never)
  --etcd-endpoints <urls>  LOCKGATE_ETCD_ENDPOINTS  comma-separated, for --store etcd
  --etcd-prefix <p>        LOCKGATE_ETCD_PREFIX     key prefix (default lockgate/)
  --redis-url <url>        LOCKGATE_REDIS_URL       for --store redis (default redis://127.0.0.1:6379)
  --redis-prefix <p>       LOCKGATE_REDIS_PREFIX    key prefix (default lockgate:)
  --redis-password-file <f>                         the password, from a file; or LOCKGATE_REDIS_PASSWORD
  --postgres-url <url>     LOCKGATE_POSTGRES_URL    for --store postgres: postgres://user@host:5432/db
  --postgres-table <t>     LOCKGATE_POSTGRES_TABLE  table (default lockgate_locks; created if absent)
  --postgres-password-file <f>                      the password, from a file; or PGPASSWORD
  --kube-object <ref>      LOCKGATE_KUBE_OBJECT     for --store kubernetes: [NAMESPACE/]KIND/NAME, such as
                                                    ci/configmaps/locks (it must exist); the cluster
                                                    from KUBECONFIG, ~/.kube/config or in-cluster
  --kube-context <name>    LOCKGATE_KUBE_CONTEXT    a kubeconfig context other than the current one
  --token-file <file>      LOCKGATE_TOKEN_FILE      named tokens, each with lock-name prefixes and a role
                                                    (read or write): see the README
  --token <t>              LOCKGATE_TOKENS          a token with full access (repeat; env: comma-separated);
                                                    on the command line it shows in the process list
  --no-auth                LOCKGATE_NO_AUTH=1       no tokens; allowed only on a loopback address
  --lease-ttl <ms>         LOCKGATE_LEASE_TTL       default lease for clients that send none (10000)
  --max-wait <ms>          LOCKGATE_MAX_WAIT        longest server-side wait of one request (30000)
  --no-go-protocol                                  do not serve Go lockgate's /acquire, /renew-lease, /release
  --cors-origin <origin>   LOCKGATE_CORS_ORIGINS    browser origin allowed to call the server (repeat; env: comma-separated)
  --heap-growth <percent>  LOCKGATE_HEAP_GROWTH     Node: heap growth past live data at each GC (default 30;
                                                    0: V8's own, up to ~4x after a burst)
  --no-heap-compact        LOCKGATE_HEAP_COMPACT=0  Node: compact only V8's emptiest pages at a full GC
  --idle-gc-ms <ms>        LOCKGATE_IDLE_GC_MS      Node, Bun: one full GC once no request started for
                                                    this long after the heap grew 16 MiB (default 300; 0: never)
`;

/** Reads flags, then environment variables; throws ConfigError on anything it cannot use. */
export function parseServerConfig(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): ServerConfig {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      // `pnpm run start:deno -- --flag` hands Deno a leading "--", which it passes on.
      args: argv[0] === "--" ? argv.slice(1) : [...argv],
      strict: true,
      options: {
        host: { type: "string" },
        port: { type: "string" },
        store: { type: "string" },
        "file-dir": { type: "string" },
        "file-stale-ms": { type: "string" },
        "file-compact-ms": { type: "string" },
        "etcd-endpoints": { type: "string" },
        "etcd-prefix": { type: "string" },
        "redis-url": { type: "string" },
        "redis-prefix": { type: "string" },
        "redis-password-file": { type: "string" },
        "postgres-url": { type: "string" },
        "postgres-table": { type: "string" },
        "postgres-password-file": { type: "string" },
        "kube-object": { type: "string" },
        "token-file": { type: "string" },
        "kube-context": { type: "string" },
        token: { type: "string", multiple: true },
        "no-auth": { type: "boolean" },
        "lease-ttl": { type: "string" },
        "max-wait": { type: "string" },
        "no-go-protocol": { type: "boolean" },
        "cors-origin": { type: "string", multiple: true },
        "heap-growth": { type: "string" },
        "no-heap-compact": { type: "boolean" },
        "idle-gc-ms": { type: "string" },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help) throw new ConfigError(USAGE);
  const str = (flag: string, name: string) => (values[flag] as string | undefined) ?? env[name];

  const host = str("host", "LOCKGATE_HOST") ?? "127.0.0.1";
  const port = integer(str("port", "LOCKGATE_PORT") ?? "55589", "port", 0, 65_535);
  const leaseTtl = integer(
    str("lease-ttl", "LOCKGATE_LEASE_TTL") ?? "10000",
    "lease-ttl",
    100,
    3_600_000,
  );
  const maxWait = integer(str("max-wait", "LOCKGATE_MAX_WAIT") ?? "30000", "max-wait", 0, 300_000);
  const heapGrowth = integer(
    str("heap-growth", "LOCKGATE_HEAP_GROWTH") ?? "30",
    "heap-growth",
    0,
    1_000,
  );

  const compactEnv = env.LOCKGATE_HEAP_COMPACT;
  if (compactEnv !== undefined && compactEnv !== "0" && compactEnv !== "1")
    throw new ConfigError(
      `LOCKGATE_HEAP_COMPACT must be 0 or 1, not ${JSON.stringify(compactEnv)}`,
    );
  const heapCompact = !(values["no-heap-compact"] === true || compactEnv === "0");
  const idleGcMs = integer(
    str("idle-gc-ms", "LOCKGATE_IDLE_GC_MS") ?? "300",
    "idle-gc-ms",
    0,
    3_600_000,
  );

  const kind = str("store", "LOCKGATE_STORE") ?? "memory";
  let store: StoreConfig;
  if (kind === "memory") store = { kind };
  else if (kind === "file") {
    const dir = str("file-dir", "LOCKGATE_FILE_DIR");
    if (!dir)
      throw new ConfigError(
        "--store file needs --file-dir <dir> (or LOCKGATE_FILE_DIR): the directory to keep locks in",
      );
    const staleMs = integer(
      str("file-stale-ms", "LOCKGATE_FILE_STALE_MS") ?? "10000",
      "file-stale-ms",
      2_000,
      3_600_000,
    );
    const compactEvery = integer(
      str("file-compact-ms", "LOCKGATE_FILE_COMPACT_MS") ?? "600000",
      "file-compact-ms",
      0,
      86_400_000,
    );
    store = { kind, dir, staleMs, compactEvery };
  } else if (kind === "etcd") {
    const endpoints = (str("etcd-endpoints", "LOCKGATE_ETCD_ENDPOINTS") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (endpoints.length === 0)
      throw new ConfigError(
        "--store etcd needs --etcd-endpoints http://host:2379[,...] (or LOCKGATE_ETCD_ENDPOINTS)",
      );
    for (const e of endpoints) {
      if (!/^https?:\/\/[^/]+$/.test(e))
        throw new ConfigError(`etcd endpoint ${JSON.stringify(e)} must look like http://host:2379`);
    }
    store = { kind, endpoints, prefix: str("etcd-prefix", "LOCKGATE_ETCD_PREFIX") ?? "lockgate/" };
  } else if (kind === "redis") {
    const url = databaseUrl(
      str("redis-url", "LOCKGATE_REDIS_URL") ?? "redis://127.0.0.1:6379",
      ["redis:", "rediss:"],
      "--redis-url",
      "LOCKGATE_REDIS_PASSWORD or --redis-password-file",
    );
    const password =
      secretFile(values["redis-password-file"] as string | undefined, "--redis-password-file") ??
      env.LOCKGATE_REDIS_PASSWORD;
    store = {
      kind,
      url,
      prefix: str("redis-prefix", "LOCKGATE_REDIS_PREFIX") ?? "lockgate:",
      ...(password ? { password } : {}),
    };
  } else if (kind === "postgres") {
    const given = str("postgres-url", "LOCKGATE_POSTGRES_URL");
    if (!given)
      throw new ConfigError(
        "--store postgres needs --postgres-url postgres://user@host:5432/db (or LOCKGATE_POSTGRES_URL)",
      );
    const url = databaseUrl(
      given,
      ["postgres:", "postgresql:"],
      "--postgres-url",
      "PGPASSWORD or --postgres-password-file",
    );
    const table = str("postgres-table", "LOCKGATE_POSTGRES_TABLE") ?? "lockgate_locks";
    if (!/^(?:[a-z_][a-z0-9_]{0,62}\.)?[a-z_][a-z0-9_]{0,50}$/.test(table))
      throw new ConfigError(
        `--postgres-table ${JSON.stringify(table)} must be a lower-case SQL identifier, optionally schema.table`,
      );
    const password = secretFile(
      values["postgres-password-file"] as string | undefined,
      "--postgres-password-file",
    );
    store = { kind, url, table, ...(password ? { password } : {}) };
  } else if (kind === "kubernetes") {
    const object = str("kube-object", "LOCKGATE_KUBE_OBJECT");
    if (!object) {
      throw new ConfigError(
        "--store kubernetes needs --kube-object [NAMESPACE/]KIND/NAME (or LOCKGATE_KUBE_OBJECT): the object whose annotations hold the locks, such as ci/configmaps/locks",
      );
    }
    const context = str("kube-context", "LOCKGATE_KUBE_CONTEXT");
    store = { kind, object, ...(context ? { context } : {}) };
  } else {
    throw new ConfigError(
      `--store must be memory, file, etcd, redis, postgres or kubernetes, not ${JSON.stringify(kind)}`,
    );
  }

  const flagTokens = (values.token as string[] | undefined) ?? [];
  const secrets = [...flagTokens, ...(env.LOCKGATE_TOKENS ?? "").split(",")]
    .map((t) => t.trim())
    .filter(Boolean);
  const noAuth = values["no-auth"] === true || env.LOCKGATE_NO_AUTH === "1";
  if (secrets.some((t) => t.length < 16))
    throw new ConfigError("Tokens must be at least 16 characters");
  const warnings: string[] = [];
  if (flagTokens.length > 0) {
    warnings.push(
      "warning: --token shows in the process list (ps) and shell history: prefer --token-file or LOCKGATE_TOKENS",
    );
  }
  const tokens: AccessToken[] = secrets.map((secret, i) =>
    fullAccessToken(secret, `token-${i + 1}`),
  );
  const tokenFile = str("token-file", "LOCKGATE_TOKEN_FILE");
  if (tokenFile) {
    try {
      const read = readTokenFile(tokenFile);
      tokens.push(...read.tokens);
      warnings.push(...read.warnings);
    } catch (error) {
      if (error instanceof TokenFileError) throw new ConfigError(error.message);
      throw error;
    }
  }
  if (noAuth && tokens.length > 0) throw new ConfigError("Give tokens or --no-auth, not both");
  if (!noAuth && tokens.length === 0) {
    throw new ConfigError(
      "Give --token-file (or LOCKGATE_TOKEN_FILE), at least one token in LOCKGATE_TOKENS or --token, or --no-auth to run without auth on a loopback address",
    );
  }
  if (noAuth && !isLoopback(host)) {
    throw new ConfigError(
      `--no-auth is allowed only on a loopback address, not ${host}: give --token instead`,
    );
  }
  const corsOrigins = [
    ...((values["cors-origin"] as string[] | undefined) ?? []),
    ...(env.LOCKGATE_CORS_ORIGINS ?? "").split(","),
  ]
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/]+$/.test(origin)) {
      throw new ConfigError(
        `CORS origin ${JSON.stringify(origin)} must look like https://app.example.com`,
      );
    }
  }
  return {
    host,
    port,
    store,
    tokens,
    warnings,
    leaseTtl,
    maxWait,
    goProtocol: values["no-go-protocol"] !== true,
    corsOrigins,
    heapGrowth,
    heapCompact,
    idleGcMs,
  };
}

/**
 * A database URL without a password in it: a password on a command line shows in `ps` and
 * shell history, so the server refuses it and names where the password goes instead.
 */
function databaseUrl(text: string, schemes: string[], flag: string, passwordFrom: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`${flag} must be a URL such as ${schemes[0]}//host:port`);
  }
  if (!schemes.includes(url.protocol))
    throw new ConfigError(`${flag} must start with ${schemes.map((s) => `${s}//`).join(" or ")}`);
  if (url.password)
    throw new ConfigError(
      `${flag} must not contain a password (it would show in process lists and logs): give it in ${passwordFrom}`,
    );
  return text;
}

/** The first line of a secret file; the path is named on error, never the content. */
function secretFile(path: string | undefined, flag: string): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, "utf8").split("\n")[0]?.trim() || undefined;
  } catch (error) {
    throw new ConfigError(`${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}

function integer(text: string, name: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw new ConfigError(
      `--${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(text)}`,
    );
  return n;
}

function isLoopback(host: string): boolean {
  return (
    host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host)
  );
}
