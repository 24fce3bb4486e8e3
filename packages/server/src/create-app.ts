import type { LeaseBackend } from "@lockgate/core";
import { Hono } from "hono";
import { cors } from "hono/cors";
import { type AccessToken, fullAccessToken } from "./access-tokens.ts";
import { acquireRoute } from "./acquire-route.ts";
import { apiError, errorAnswer } from "./api-error.ts";
import { mountGoProtocol } from "./go-protocol.ts";
import { Metrics } from "./metrics.ts";
import { type NodeRoutes, nodeRoutes } from "./node-routes.ts";
import { openApiDocument } from "./openapi.ts";
import { ProcessGauges } from "./process-gauges.ts";
import { ServedParties } from "./served-parties.ts";
import { StatusFeed } from "./status-feed.ts";
import { mountStatusPage } from "./status-routes.ts";
import { tokenAuth } from "./token-auth.ts";
import { mountV1, type V1Limits } from "./v1-routes.ts";

export interface AppOptions extends Partial<V1Limits> {
  /**
   * Accepted tokens: secrets with full access, or scoped AccessTokens. None means no auth,
   * which the config allows only on loopback.
   */
  readonly tokens?: readonly (string | AccessToken)[];
  /** Browser origins allowed to call the server (CORS). Default none. */
  readonly corsOrigins?: readonly string[];
  /** Serve Go lockgate's /acquire, /renew-lease, /release. Default true. */
  readonly goProtocol?: boolean;
  /** Aborts long-polls and watch streams when the server shuts down. */
  readonly shutdown?: AbortSignal;
  readonly version?: string;
  /** The store as the status page names it ("etcd", "kubernetes ci/configmaps/locks"). */
  readonly storeName?: string;
}

export interface LockServerApp {
  readonly app: Hono;
  readonly metrics: Metrics;
  /**
   * For a server on node:http: give each request to this first, and to the app when it returns
   * false. It serves the long-poll acquire with less memory per waiting request; the app serves
   * the same route with the same answers everywhere else.
   */
  readonly nodeRoutes: NodeRoutes;
}

/**
 * The lock server as a Hono app on Web APIs only: run it with any runtime's `fetch` server.
 * The server renews nothing for its clients: a client that stops renewing loses its lease.
 */
export function createApp(store: LeaseBackend, options: AppOptions = {}): LockServerApp {
  const app = new Hono();
  const metrics = new Metrics();
  const feed = new StatusFeed(store);
  const backend = new ServedParties(store, { onChange: () => feed.poke() });
  const accessTokens = (options.tokens ?? []).map((t, i) =>
    typeof t === "string" ? fullAccessToken(t, `token-${i + 1}`) : t,
  );
  const processGauges = new ProcessGauges();
  options.shutdown?.addEventListener("abort", () => processGauges.stop(), { once: true });
  const limits: V1Limits = {
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    defaultTtl: options.defaultTtl ?? 10_000,
    maxTtl: options.maxTtl ?? 3_600_000,
    maxWait: options.maxWait ?? 30_000,
    maxValueLength: options.maxValueLength ?? 16 * 1024,
  };
  const shutdown = options.shutdown ?? new AbortController().signal;

  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const route = c.req.routePath || "unmatched";
    metrics.observe(route, performance.now() - started);
    metrics.count("lockgate_requests_total", { route, status: String(c.res.status) });
  });

  if (options.corsOrigins && options.corsOrigins.length > 0) {
    // Before auth: a browser's preflight carries no token.
    app.use(
      "*",
      cors({
        origin: [...options.corsOrigins],
        allowMethods: ["GET", "POST"],
        allowHeaders: ["authorization", "content-type"],
        maxAge: 600,
      }),
    );
  }

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    try {
      await backend.inspect("lockgate/readiness-probe");
      return c.json({ status: "ready" });
    } catch {
      return apiError(c, 503, "store-unavailable", "The lock store does not answer");
    }
  });

  if (accessTokens.length > 0) {
    const auth = tokenAuth(accessTokens);
    for (const path of [
      "/v1/*",
      "/metrics",
      "/openapi.json",
      "/acquire",
      "/renew-lease",
      "/release",
    ])
      app.use(path, auth);
  }

  app.get("/openapi.json", (c) => c.json(openApiDocument(options.version ?? "0.0.0")));
  // Counters kept as requests pass: a scrape reads no record from the store.
  app.get("/metrics", (c) => {
    const served = backend.gauges();
    const gauges = {
      lockgate_locks_held: served.locksHeld,
      lockgate_holders: served.holders,
      lockgate_waiters: served.waiters,
      ...processGauges.take(),
    };
    return c.text(metrics.render(gauges), 200, { "content-type": "text/plain; version=0.0.4" });
  });

  mountStatusPage(app, {
    feed,
    tokens: accessTokens,
    facts: {
      store: options.storeName ?? "memory",
      version: options.version ?? "0.0.0",
      startedAt: Date.now(),
    },
    shutdown,
    list: () => backend.list(""),
  });
  const acquire = acquireRoute(backend, metrics, limits);
  mountV1(app, backend, acquire, limits, shutdown);
  if (options.goProtocol ?? true) mountGoProtocol(app, backend, metrics, limits.bodyLimit);

  app.notFound((c) =>
    apiError(c, 404, "not-found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}`),
  );
  app.onError((error, c) => {
    const answer = errorAnswer(error);
    if (answer.code === "internal") metrics.count("lockgate_internal_errors_total");
    return apiError(c, answer.status, answer.code, answer.message);
  });
  const node = nodeRoutes({
    acquire,
    backend,
    metrics,
    tokens: accessTokens,
    corsOrigins: options.corsOrigins ?? [],
    bodyLimit: limits.bodyLimit,
    shutdown,
  });
  return { app, metrics, nodeRoutes: node };
}
