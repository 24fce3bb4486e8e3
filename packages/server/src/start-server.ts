import { setMaxListeners } from "node:events";
import process from "node:process";
import { createApp } from "./create-app.ts";
import { createBackend } from "./create-backend.ts";
import { tuneHeap } from "./heap-tuning.ts";
import { IdleCollector, runtimeCollector } from "./idle-collector.ts";
import type { NodeRoutes } from "./node-routes.ts";
import { ConfigError, parseServerConfig, type StoreConfig } from "./server-config.ts";
import { SERVER_VERSION } from "./server-version.ts";

export interface RunningServer {
  readonly port: number;
  close(): Promise<void>;
}

/** How each runtime serves a fetch handler; node:http first offers each request to `nodeRoutes`. */
export type Serve = (
  fetch: (request: Request) => Response | Promise<Response>,
  host: string,
  port: number,
  nodeRoutes?: NodeRoutes,
) => Promise<RunningServer>;

/**
 * The shared body of the Node, Bun and Deno entry files: read the configuration, start, and
 * shut down gracefully on SIGTERM or SIGINT (long-polls answer "waiting", so clients retry).
 */
export async function startServer(serve: Serve): Promise<void> {
  let config: ReturnType<typeof parseServerConfig>;
  try {
    config = parseServerConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  for (const warning of config.warnings) console.error(warning);
  tuneHeap({ growthPercent: config.heapGrowth, compact: config.heapCompact });
  const shutdown = new AbortController();
  // Every long-poll listens for shutdown: thousands of waiters are normal, not a leak.
  setMaxListeners(0, shutdown.signal);
  let backend: Awaited<ReturnType<typeof createBackend>>;
  try {
    backend = await createBackend(config.store);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const { app, nodeRoutes } = createApp(backend, {
    tokens: config.tokens,
    version: SERVER_VERSION,
    storeName: storeName(config.store),
    defaultTtl: config.leaseTtl,
    maxWait: config.maxWait,
    goProtocol: config.goProtocol,
    corsOrigins: config.corsOrigins,
    shutdown: shutdown.signal,
  });
  const runtimeGc = config.idleGcMs > 0 ? runtimeCollector() : undefined;
  const idle = runtimeGc && new IdleCollector({ idleMs: config.idleGcMs, ...runtimeGc }).start();
  // Every argument passes on: on Node the second one carries the request's own socket.
  const fetch: typeof app.fetch = idle
    ? (...args) => {
        idle.noteRequest();
        return app.fetch(...args);
      }
    : app.fetch;
  const onNode: NodeRoutes = idle
    ? (incoming, outgoing) => {
        idle.noteRequest();
        return nodeRoutes(incoming, outgoing);
      }
    : nodeRoutes;
  const server = await serve(fetch, config.host, config.port, onNode);
  // One line others can parse; the token is never printed.
  console.log(
    `lockgate server listening on http://${config.host}:${server.port} (store: ${storeName(config.store)}, auth: ${config.tokens.length > 0 ? `${config.tokens.length} token${config.tokens.length === 1 ? "" : "s"}` : "off"})`,
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // Long-polls answer "waiting" and watch streams end; then in-flight answers get a short
    // grace period to go out before the process exits regardless.
    shutdown.abort();
    idle?.stop();
    await Promise.race([
      server.close().catch(() => {}),
      new Promise((resolve) => setTimeout(resolve, 2_000)),
    ]);
    await backend.close().catch(() => {});
    console.log("lockgate server stopped");
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

/** The store as a log line or the status page names it: its kind and where, never a secret. */
function storeName(store: StoreConfig): string {
  switch (store.kind) {
    case "kubernetes":
      return `kubernetes ${store.object}`;
    case "file":
      return `file ${store.dir}`;
    case "etcd":
      return `etcd ${store.prefix}`;
    case "redis":
      return `redis ${store.prefix}`;
    case "postgres":
      return `postgres table ${store.table}`;
    default:
      return store.kind;
  }
}
