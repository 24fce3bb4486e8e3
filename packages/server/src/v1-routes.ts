import type { LeaseBackend } from "@lockgate/core";
import type { Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { apiError } from "./api-error.ts";
import type { Metrics } from "./metrics.ts";
import { untilGoneOrShutdown } from "./node-request.ts";
import { field, readJson } from "./request-body.ts";
import { authorize, maySee } from "./token-auth.ts";

export interface V1Limits {
  readonly bodyLimit: number;
  readonly defaultTtl: number;
  readonly maxTtl: number;
  /** Longest server-side wait of one acquire request (long-poll), in ms. */
  readonly maxWait: number;
  /** Largest holder `value`, as JSON text. */
  readonly maxValueLength: number;
}

/**
 * The server's own API. Acquire long-polls: the server waits up to `waitMs` for the turn and
 * answers the moment the lock is granted. The request id is the client's, so a client that
 * reconnects with the same id keeps its place in the queue (for the entry's ttl).
 */
/** More permits than this is a typo, not a semaphore: each holder is an entry in one record. */
const MAX_SEMAPHORE_LIMIT = 10_000;

export function mountV1(
  app: Hono,
  backend: LeaseBackend,
  metrics: Metrics,
  limits: V1Limits,
  shutdown: AbortSignal,
): void {
  app.post("/v1/acquire", async (c) => {
    const body = await readJson(c, limits.bodyLimit);
    const acquirerId = field.optionalString(body, "acquirerId", 256);
    const value = body.value;
    if (tooLong(value, limits)) return valueTooLong(c, limits);
    const limit = field.int(body, "limit", 1, 1, MAX_SEMAPHORE_LIMIT);
    const shared = field.bool(body, "shared", false);
    if (limit > 1 && shared) {
      return apiError(
        c,
        400,
        "invalid-argument",
        `A semaphore ("limit" above 1) has no shared mode`,
      );
    }
    const request = {
      name: field.name(body),
      id: field.id(body),
      shared,
      ttl: field.int(body, "ttl", limits.defaultTtl, 100, limits.maxTtl),
      nonBlocking: field.bool(body, "nonBlocking", false),
      ...(limit === 1 ? {} : { limit }),
      ...(acquirerId === undefined ? {} : { acquirerId }),
      ...(value === undefined ? {} : { value: value as never }),
    };
    authorize(c, request.name, "write");
    const waitMs = field.int(body, "waitMs", 0, 0, limits.maxWait);
    const received = performance.now();
    // Stop waiting when the client goes away or the server shuts down; the place is kept.
    const wait = untilGoneOrShutdown(c, shutdown);
    const stop = wait.signal;
    let outcome: Awaited<ReturnType<LeaseBackend["acquire"]>>;
    try {
      outcome = await backend.acquire(request, { waitMs, signal: stop });
    } catch (error) {
      if (stop.aborted) return c.json({ status: "waiting", position: -1 });
      throw error;
    } finally {
      wait.end();
    }
    if (outcome.status !== "granted") return c.json(outcome);
    metrics.count("lockgate_grants_total", { api: "v1" });
    // How long after receiving the request the grant was sent: the client dates its lease
    // from its own send time plus this, which is never later than the real grant.
    return c.json({
      status: "granted",
      lease: outcome.lease,
      waitedMs: Math.max(0, outcome.sentAt - received),
    });
  });

  app.post("/v1/renew", async (c) => {
    const body = await readJson(c, limits.bodyLimit);
    const lease = leaseOf(body, limits);
    authorize(c, lease.name, "write");
    await backend.renew(lease);
    return c.body(null, 204);
  });

  app.post("/v1/value", async (c) => {
    const body = await readJson(c, limits.bodyLimit);
    const lease = leaseOf(body, limits);
    authorize(c, lease.name, "write");
    const value = body.value;
    if (tooLong(value, limits)) return valueTooLong(c, limits);
    await backend.setValue(lease, value as never);
    return c.body(null, 204);
  });

  app.post("/v1/release", async (c) => {
    const body = await readJson(c, limits.bodyLimit);
    const lease = leaseOf(body, limits);
    authorize(c, lease.name, "write");
    await backend.release(lease);
    return c.body(null, 204);
  });

  app.post("/v1/abandon", async (c) => {
    const body = await readJson(c, limits.bodyLimit);
    const name = field.name(body);
    authorize(c, name, "write");
    await backend.abandon({
      name,
      id: field.id(body),
      shared: field.bool(body, "shared", false),
      ttl: field.int(body, "ttl", limits.defaultTtl, 100, limits.maxTtl),
      nonBlocking: false,
    });
    return c.body(null, 204);
  });

  app.get("/v1/locks", async (c) => {
    const prefix = c.req.query("prefix") ?? "";
    // A scoped token sees only its own names; asking about others is not an error, just empty.
    const locks = (await backend.list(prefix)).filter((lock) => maySee(c, lock.name));
    return c.json({ locks });
  });

  app.get("/v1/locks/:name/watch", (c) => {
    const name = c.req.param("name");
    if (name.length > 1024)
      return apiError(c, 400, "invalid-argument", "Lock names are at most 1024 characters");
    authorize(c, name, "read");
    return streamSSE(c, async (stream) => {
      const wait = untilGoneOrShutdown(c, shutdown);
      const stop = wait.signal;
      try {
        for await (const info of backend.watch(name, stop)) {
          await stream.writeSSE({ event: "state", data: JSON.stringify(info) });
        }
      } finally {
        wait.end();
      }
    });
  });

  app.get("/v1/locks/:name", async (c) => {
    const name = c.req.param("name");
    if (name.length > 1024)
      return apiError(c, 400, "invalid-argument", "Lock names are at most 1024 characters");
    authorize(c, name, "read");
    return c.json(await backend.inspect(name));
  });
}

function leaseOf(body: Record<string, unknown>, limits: V1Limits) {
  return {
    name: field.name(body),
    id: field.id(body),
    shared: field.bool(body, "shared", false),
    token: field.int(body, "token", 0, 0, Number.MAX_SAFE_INTEGER),
    ttl: field.int(body, "ttl", limits.defaultTtl, 100, limits.maxTtl),
  };
}

/** A holder's value must stay small: it is in every copy of the record. */
function tooLong(value: unknown, limits: V1Limits): boolean {
  return value !== undefined && JSON.stringify(value).length > limits.maxValueLength;
}

function valueTooLong(c: Context, limits: V1Limits): Response {
  return apiError(
    c,
    400,
    "invalid-argument",
    `"value" must be at most ${limits.maxValueLength} characters of JSON`,
  );
}
