import { isLockgateError, type LeaseBackend } from "@lockgate/core";
import type { Hono } from "hono";
import { BadRequest } from "./api-error.ts";
import { GoQueuePlaces } from "./go-queue-places.ts";
import type { Metrics } from "./metrics.ts";
import { requestHeader } from "./node-request.ts";
import { field, readJson } from "./request-body.ts";
import { authorize } from "./token-auth.ts";

/** The lease Go lockgate's client keeps: it renews every 3 s, a lease lives 10 s. */
const GO_LEASE_TTL = 10_000;
const SHOULD_WAIT = "should wait";
const ALREADY_LEASED = "lock already leased";
const NO_LEASE = "no existing lock lease found";

/**
 * Go lockgate's HTTP protocol, unchanged: POST /acquire, /renew-lease, /release with its JSON
 * bodies; lock errors are HTTP 200 with `err` set to the exact texts its client compares.
 * The server never waits here: the Go client polls on "should wait". A polling client still
 * waits in the one FIFO queue that /v1 clients use (see GoQueuePlaces).
 */
export function mountGoProtocol(
  app: Hono,
  backend: LeaseBackend,
  metrics: Metrics,
  bodyLimit: number,
): void {
  const places = new GoQueuePlaces();
  app.post("/acquire", async (c) => {
    const body = await readJson(c, bodyLimit);
    const opts = (body.opts ?? {}) as Record<string, unknown>;
    if (typeof opts !== "object" || opts === null)
      throw new BadRequest("invalid-argument", '"opts" must be an object');
    const name = field.name(body, "lockName");
    authorize(c, name, "write");
    const acquirerId = field.optionalString(opts, "acquirerId", 256) || undefined;
    const shared = field.bool(opts, "shared", false);
    const poll = { name, shared, acquirerId, caller: requestHeader(c, "authorization") ?? "" };
    const place = places.placeFor(poll);
    const outcome = await backend.acquire(
      {
        name,
        id: place.id,
        shared,
        ttl: GO_LEASE_TTL,
        // A queue place lives one Go lease (10 s), renewed by each poll; granted meanwhile,
        // it is kept for the client until its next poll (2 s later) or for 10 s.
        nonBlocking: !place.join,
        ...(acquirerId ? { acquirerId } : {}),
      },
      { waitMs: 0 },
    );
    if (outcome.status !== "granted") {
      places.waiting(place);
      return c.json({ lockHandle: { uuid: "", lockName: name }, err: SHOULD_WAIT });
    }
    places.granted(place);
    metrics.count("lockgate_grants_total", { api: "go" });
    return c.json({ lockHandle: { uuid: outcome.lease.id, lockName: name }, err: "" });
  });

  app.post("/renew-lease", async (c) => {
    const { name, id } = handleOf(await readJson(c, bodyLimit));
    authorize(c, name, "write");
    try {
      await backend.renew({ name, id, shared: false, token: 0, ttl: GO_LEASE_TTL });
      return c.json({ err: "" });
    } catch (error) {
      if (!isLockgateError(error, "not-held")) throw error;
      return c.json({ err: await whyNotHeld(backend, name) });
    }
  });

  app.post("/release", async (c) => {
    const { name, id } = handleOf(await readJson(c, bodyLimit));
    authorize(c, name, "write");
    const info = await backend.inspect(name);
    if (!info.holders.some((h) => h.id === id))
      return c.json({ err: await whyNotHeld(backend, name) });
    await backend.release({ name, id, shared: false, token: 0, ttl: GO_LEASE_TTL });
    return c.json({ err: "" });
  });
}

function handleOf(body: Record<string, unknown>): { name: string; id: string } {
  const handle = body.lockHandle;
  if (typeof handle !== "object" || handle === null)
    throw new BadRequest("invalid-argument", '"lockHandle" must be an object');
  const h = handle as Record<string, unknown>;
  return { name: field.name(h, "lockName"), id: field.id(h, "uuid") };
}

async function whyNotHeld(backend: LeaseBackend, name: string): Promise<string> {
  const info = await backend.inspect(name);
  return info.holders.length === 0 && info.waiters.length === 0 ? NO_LEASE : ALREADY_LEASED;
}
