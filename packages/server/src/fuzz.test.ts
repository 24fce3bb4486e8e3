import { StoreLeaseBackend } from "@lockgate/core";
import { MemoryStore } from "@lockgate/store-memory";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createApp } from "./create-app.ts";
import { startServerProcess } from "./test-support/server-process.ts";

const TOKEN = "fuzz-token-0123456789abcdef";
const paths = [
  "/v1/acquire",
  "/v1/renew",
  "/v1/value",
  "/v1/release",
  "/v1/abandon",
  "/v1/locks",
  "/v1/locks/held",
  "/v1/locks/%E0%A4%A",
  "/acquire",
  "/renew-lease",
  "/release",
  "/metrics",
  "/openapi.json",
  "/",
  "/v1/status",
  "/nope",
];
const fieldValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant("x".repeat(5_000)),
  fc.array(fc.anything(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.anything(), { maxKeys: 3 }),
);
/** A well-formed body for any endpoint, with exactly one field replaced by something odd. */
const oneFieldWrong = fc
  .record({
    base: fc.record({
      name: fc.string({ minLength: 1, maxLength: 20 }),
      id: fc.stringMatching(/^[a-z0-9]{1,12}$/),
      shared: fc.boolean(),
      ttl: fc.integer({ min: 100, max: 5_000 }),
      waitMs: fc.integer({ min: 0, max: 5 }),
      lockName: fc.string({ minLength: 1, maxLength: 20 }),
      lockHandle: fc.record({
        uuid: fc.stringMatching(/^[a-z0-9]{1,12}$/),
        lockName: fc.string({ minLength: 1, maxLength: 20 }),
      }),
    }),
    field: fc.constantFrom(
      "name",
      "id",
      "shared",
      "ttl",
      "waitMs",
      "lockName",
      "lockHandle",
      "value",
      "acquirerId",
      "none",
    ),
    wrong: fieldValue,
  })
  .map(({ base, field, wrong }) =>
    JSON.stringify(field === "none" ? base : { ...base, [field]: wrong }),
  );
const body = fc.oneof(
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.json() },
  { weight: 1, arbitrary: fc.constant("x".repeat(70_000)) },
  { weight: 6, arbitrary: oneFieldWrong },
);
const request = fc.record({
  method: fc.oneof(
    { weight: 4, arbitrary: fc.constant("POST") },
    { weight: 2, arbitrary: fc.constantFrom("GET", "PUT", "DELETE", "PATCH") },
  ),
  path: fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...paths) },
    { weight: 1, arbitrary: fc.webPath() },
  ),
  body,
  auth: fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(`Bearer ${TOKEN}`, `Basic ${btoa(`${TOKEN}:`)}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom("Bearer wrong-token-0123456789", "", "Bearer", "Basic !!"),
    },
  ),
  contentType: fc.constantFrom(
    "application/json",
    "text/plain",
    "",
    "multipart/form-data; boundary=x",
  ),
});

describe("fuzzing every endpoint with malformed input", () => {
  it("answers 4xx (never 5xx), and a holder's lock survives intact", async () => {
    const { app } = createApp(new StoreLeaseBackend(new MemoryStore()), {
      tokens: [TOKEN],
      maxWait: 5,
    });
    const call = (path: string, init: RequestInit = {}) =>
      app.request(path, {
        ...init,
        headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers as object) },
      });
    const held = await (
      await call("/v1/acquire", {
        method: "POST",
        body: JSON.stringify({ name: "held", id: "holder-1" }),
      })
    ).json();
    expect(held.status).toBe("granted");
    let served = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = {};
        if (r.auth) headers.authorization = r.auth;
        if (r.contentType) headers["content-type"] = r.contentType;
        const init: RequestInit = { method: r.method, headers };
        if (r.method !== "GET") init.body = r.body;
        const response = await app.request(r.path, init);
        served++;
        expect(response.status, `${r.method} ${r.path} ${r.body.slice(0, 80)}`).toBeLessThan(500);
        // Accepted writes must have been well-formed: malformed input never gets a 2xx.
        if (response.status < 300 && r.method === "POST" && r.path.startsWith("/v1/")) {
          const sent = JSON.parse(r.body) as { name?: unknown; id?: unknown };
          expect(
            typeof sent.name === "string" && sent.name.length > 0 && sent.name.length <= 1024,
          ).toBe(true);
          expect(typeof sent.id === "string" && /^[A-Za-z0-9_-]{1,128}$/.test(sent.id)).toBe(true);
        }
        if (response.headers.get("content-type")?.startsWith("text/html")) {
          // Only the status page answers in HTML (for a person): itself, or "token refused".
          expect([200, 401]).toContain(response.status);
          expect(await response.text()).toMatch(
            /^<!doctype html>[\s\S]*<title>lockgate · locks<\/title>/,
          );
        } else if (response.status >= 400) {
          const text = await response.text();
          expect(JSON.parse(text).error.code, text).toMatch(/^[a-z-]+$/);
        }
      }),
      { numRuns: 1_500 },
    );
    expect(served).toBe(1_500);
    // The holder still holds: its renewal is accepted and the record is whole.
    const renewed = await call("/v1/renew", {
      method: "POST",
      body: JSON.stringify({ name: "held", id: "holder-1", token: 1 }),
    });
    expect(renewed.status).toBe(204);
    const info = await (await call("/v1/locks/held")).json();
    expect(info.holders.map((h: { id: string }) => h.id)).toEqual(["holder-1"]);
    const fresh = await (
      await call("/v1/acquire", {
        method: "POST",
        body: JSON.stringify({ name: "after-fuzz", id: "x1" }),
      })
    ).json();
    expect(fresh.status).toBe("granted");
  }, 120_000);

  it("a real server process stays up under the same input", async () => {
    const server = await startServerProcess("node", ["--token", TOKEN]);
    try {
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const headers: Record<string, string> = {};
          if (r.auth) headers.authorization = r.auth;
          const response = await fetch(`${server.url}${r.path}`, {
            method: r.method,
            headers,
            ...(r.method === "GET" ? {} : { body: r.body }),
          });
          await response.arrayBuffer();
          expect(response.status).toBeLessThan(500);
        }),
        { numRuns: 300 },
      );
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect(server.child.exitCode).toBeNull();
    } finally {
      await server.stop();
    }
  }, 120_000);
});
