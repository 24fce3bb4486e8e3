import type { LeaseBackend } from "@lockgate/core";
import type { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { AccessToken } from "./access-tokens.ts";
import type { AcquireRoute } from "./acquire-route.ts";
import { untilGoneOrShutdown } from "./node-request.ts";
import { field, pathLockName, readJson } from "./request-body.ts";
import { authorize, maySee } from "./token-auth.ts";
import { stateEvent } from "./watch-route.ts";

export interface V1Limits {
  readonly bodyLimit: number;
  readonly defaultTtl: number;
  readonly maxTtl: number;
  /** Longest server-side wait of one acquire request (long-poll), in ms. */
  readonly maxWait: number;
  /** Largest holder `value`, as JSON text. */
  readonly maxValueLength: number;
}

/** The server's own API; `POST /v1/acquire` is `acquire`, which Node may also serve directly. */
export function mountV1(
  app: Hono,
  backend: LeaseBackend,
  acquire: AcquireRoute,
  limits: V1Limits,
  shutdown: AbortSignal,
): void {
  app.post("/v1/acquire", async (c) => {
    const body = await readJson(c, limits.bodyLimit);
    const token = c.get("accessToken") as AccessToken | undefined;
    return c.json(await acquire(body, token, () => untilGoneOrShutdown(c, shutdown)));
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
    await backend.setValue(lease, field.value(body, limits.maxValueLength) as never);
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
    const name = pathLockName(c.req.param("name"));
    authorize(c, name, "read");
    return streamSSE(c, async (stream) => {
      const wait = untilGoneOrShutdown(c, shutdown);
      try {
        for await (const info of backend.watch(name, wait.signal))
          await stream.write(stateEvent(info));
      } finally {
        wait.end();
      }
    });
  });

  app.get("/v1/locks/:name", async (c) => {
    const name = pathLockName(c.req.param("name"));
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
