import { StoreLeaseBackend } from "@lockgate/core";
import { MemoryStore } from "@lockgate/store-memory";
import { describe, expect, it } from "vitest";
import { createApp } from "./create-app.ts";

const TOKEN = "ops-token-0123456789abcdef";
const bearer = { authorization: `Bearer ${TOKEN}` };
function server() {
  return createApp(new StoreLeaseBackend(new MemoryStore()), { tokens: [TOKEN] }).app;
}
async function acquire(app: ReturnType<typeof server>, body: Record<string, unknown>) {
  const response = await app.request("/v1/acquire", {
    method: "POST",
    headers: bearer,
    body: JSON.stringify(body),
  });
  return response.json();
}

describe("health, readiness, metrics, OpenAPI and auth", () => {
  it("health and readiness answer without a token; everything else needs one", async () => {
    const app = server();
    expect((await app.request("/healthz")).status).toBe(200);
    expect(await (await app.request("/readyz")).json()).toEqual({ status: "ready" });
    for (const path of ["/metrics", "/openapi.json", "/v1/locks"]) {
      const refused = await app.request(path);
      expect(refused.status).toBe(401);
      expect(refused.headers.get("www-authenticate")).toContain("Bearer");
      expect(refused.headers.get("www-authenticate")).toContain("Basic");
      expect((await refused.json()).error.message).toMatch(/Bearer.*Basic/);
      expect(
        (await app.request(path, { headers: { authorization: "Bearer wrong-token-0123456789" } }))
          .status,
      ).toBe(401);
      expect((await app.request(path, { headers: bearer })).status).toBe(200);
    }
    // Go lockgate clients carry the token as Basic auth: http://<token>@host:55589
    const go = await app.request("/acquire", {
      method: "POST",
      headers: { authorization: `Basic ${btoa(`${TOKEN}:`)}` },
      body: '{"lockName":"x","opts":{"shared":false,"acquirerId":""}}',
    });
    expect((await go.json()).err).toBe("");
  });

  it("metrics count held locks, holders, waiters, grants and request latency", async () => {
    const app = server();
    await acquire(app, { name: "a", id: "h1" });
    await acquire(app, { name: "a", id: "w1" });
    await acquire(app, { name: "b", id: "h2", shared: true });
    const text = await (await app.request("/metrics", { headers: bearer })).text();
    expect(text).toContain("lockgate_locks_held 2");
    expect(text).toContain("lockgate_holders 2");
    expect(text).toContain("lockgate_waiters 1");
    expect(text).toContain('lockgate_grants_total{api="v1"} 2');
    expect(text).toMatch(/lockgate_request_duration_ms_count\{route="\/v1\/acquire"\} 3/);
    expect(text).toMatch(/process_resident_memory_bytes [1-9]\d+/);
    expect(text).toMatch(/lockgate_event_loop_lag_seconds \d/);
  });

  it("metrics read no record from the store, follow releases, and forget parties past their ttl", async () => {
    const inner = new StoreLeaseBackend(new MemoryStore());
    let reads = 0;
    const counted = new Proxy(inner, {
      get(target, key) {
        const value = Reflect.get(target, key, target);
        if (key !== "list" && key !== "inspect")
          return typeof value === "function" ? value.bind(target) : value;
        return (...args: unknown[]) => {
          reads++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const app = createApp(counted, { tokens: [TOKEN] }).app;
    const scrape = async () => (await app.request("/metrics", { headers: bearer })).text();
    const held = await acquire(app, { name: "a", id: "h1", ttl: 60_000 });
    await acquire(app, { name: "short", id: "h2", ttl: 300 });
    await acquire(app, { name: "short", id: "w2", ttl: 300 });
    let text = await scrape();
    expect(text).toContain("lockgate_holders 2");
    expect(text).toContain("lockgate_waiters 1");
    const release = await app.request("/v1/release", {
      method: "POST",
      headers: bearer,
      body: JSON.stringify({ ...held.lease, ttl: 60_000 }),
    });
    expect(release.status).toBe(204);
    // h2 and w2 stop calling: one ttl later (and the next sweep) they are gone.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    text = await scrape();
    expect(text).toContain("lockgate_locks_held 0");
    expect(text).toContain("lockgate_holders 0");
    expect(text).toContain("lockgate_waiters 0");
    expect(reads).toBe(0);
  });

  it("serves an OpenAPI document that names every route", async () => {
    const doc = await (await server().request("/openapi.json", { headers: bearer })).json();
    expect(doc.openapi).toBe("3.1.0");
    for (const path of [
      "/v1/acquire",
      "/v1/renew",
      "/v1/value",
      "/v1/release",
      "/v1/locks/{name}/watch",
      "/v1/status",
      "/v1/status/stream",
      "/acquire",
      "/metrics",
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });

  it("a waiter that reconnects with its request id keeps its place in the queue", async () => {
    const app = server();
    await acquire(app, { name: "q", id: "holder" });
    expect(await acquire(app, { name: "q", id: "first" })).toEqual({
      status: "waiting",
      position: 0,
    });
    expect(await acquire(app, { name: "q", id: "second" })).toEqual({
      status: "waiting",
      position: 1,
    });
    // "first" lost its connection and comes back: same id, same place, ahead of "second".
    expect(await acquire(app, { name: "q", id: "first", waitMs: 0 })).toEqual({
      status: "waiting",
      position: 0,
    });
    await app.request("/v1/release", {
      method: "POST",
      headers: bearer,
      body: JSON.stringify({ name: "q", id: "holder" }),
    });
    expect((await acquire(app, { name: "q", id: "second" })).status).toBe("waiting");
    expect((await acquire(app, { name: "q", id: "first" })).status).toBe("granted");
  });
});
