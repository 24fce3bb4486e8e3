import type { AcquireOutcome, Lease, LeaseBackend } from "@lockgate/core";
import type { AccessToken } from "./access-tokens.ts";
import { BadRequest } from "./api-error.ts";
import type { Metrics } from "./metrics.ts";
import type { RequestWait } from "./node-request.ts";
import { field } from "./request-body.ts";
import { authorizeToken } from "./token-auth.ts";
import type { V1Limits } from "./v1-routes.ts";

/** More permits than this is a typo, not a semaphore: each holder is an entry in one record. */
const MAX_SEMAPHORE_LIMIT = 10_000;

/** The body of a 200 answer to `POST /v1/acquire`. */
export type AcquireAnswer =
  | { readonly status: "granted"; readonly lease: Lease; readonly waitedMs: number }
  | Exclude<AcquireOutcome, { status: "granted" }>;

/**
 * `POST /v1/acquire` apart from HTTP: a parsed body and the request's token (none: auth is off)
 * in, the answer out. It throws BadRequest or a LockgateError for an error answer. `startWait`
 * is called once the request is valid; its signal ends the wait (the client went away, or the
 * server shuts down), and the answer is then "waiting" at position -1: the place is kept.
 */
export type AcquireRoute = (
  body: Record<string, unknown>,
  token: AccessToken | undefined,
  startWait: () => RequestWait,
) => Promise<AcquireAnswer>;

/**
 * Acquire long-polls: the server waits up to `waitMs` for the turn and answers the moment the
 * lock is granted. The request id is the client's, so a client that reconnects with the same id
 * keeps its place in the queue (for the entry's ttl).
 */
export function acquireRoute(
  backend: LeaseBackend,
  metrics: Metrics,
  limits: V1Limits,
): AcquireRoute {
  return async (body, token, startWait) => {
    const acquirerId = field.optionalString(body, "acquirerId", 256);
    const value = field.value(body, limits.maxValueLength);
    const limit = field.int(body, "limit", 1, 1, MAX_SEMAPHORE_LIMIT);
    const shared = field.bool(body, "shared", false);
    if (limit > 1 && shared)
      throw new BadRequest("invalid-argument", `A semaphore ("limit" above 1) has no shared mode`);
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
    authorizeToken(token, request.name, "write");
    const waitMs = field.int(body, "waitMs", 0, 0, limits.maxWait);
    const received = performance.now();
    const wait = startWait();
    const stop = wait.signal;
    let outcome: AcquireOutcome;
    try {
      outcome = await backend.acquire(request, { waitMs, signal: stop });
    } catch (error) {
      if (stop.aborted) return { status: "waiting", position: -1 };
      throw error;
    } finally {
      wait.end();
    }
    if (outcome.status !== "granted") return outcome;
    metrics.count("lockgate_grants_total", { api: "v1" });
    // How long after receiving the request the grant was sent: the client dates its lease
    // from its own send time plus this, which is never later than the real grant.
    return {
      status: "granted",
      lease: outcome.lease,
      waitedMs: Math.max(0, outcome.sentAt - received),
    };
  };
}
