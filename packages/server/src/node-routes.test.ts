import { type IncomingHttpHeaders, request } from "node:http";
import { serve } from "@hono/node-server";
import { StoreLeaseBackend } from "@lockgate/core";
import { MemoryStore } from "@lockgate/store-memory";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { digestOf } from "./access-tokens.ts";
import { createApp } from "./create-app.ts";
import type { NodeRoutes } from "./node-routes.ts";
import { serveNode } from "./serve-node.ts";

const TOKEN = "node-routes-token-0123456789";
const READER = "node-routes-reader-0123456789";
const SCOPED = "node-routes-scoped-0123456789";
const ALLOWED = "http://allowed.example";
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

function app() {
  return createApp(new StoreLeaseBackend(new MemoryStore()), {
    tokens: [
      TOKEN,
      { name: "reader", digest: digestOf(READER), prefixes: [""], role: "read" },
      { name: "scoped", digest: digestOf(SCOPED), prefixes: ["a"], role: "write" },
    ],
    corsOrigins: [ALLOWED, "http://other.example"],
    maxWait: 30,
    bodyLimit: 2_048,
    maxValueLength: 64,
  });
}

/** The app alone under @hono/node-server: every request through Hono. */
async function servedByHono(built: ReturnType<typeof app>): Promise<number> {
  return new Promise((resolve) => {
    const server = serve({ fetch: built.app.fetch, hostname: "127.0.0.1", port: 0 }, (info) =>
      resolve(info.port),
    );
    stops.push(() => new Promise((done) => server.close(() => done())));
  });
}

/** The app as the Node server runs it, counting the requests its Node routes took. */
async function servedByNode(built: ReturnType<typeof app>) {
  const taken = { count: 0 };
  const counted: NodeRoutes = (incoming, outgoing) => {
    const mine = built.nodeRoutes(incoming, outgoing);
    if (mine) taken.count++;
    return mine;
  };
  const server = await serveNode(built.app.fetch, "127.0.0.1", 0, counted);
  stops.push(() => server.close());
  return { port: server.port, taken };
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // A connection each: a request that declares a body it never sends spoils its connection.
    const options = { host: "127.0.0.1", port, path, method, headers, agent: false };
    const req = request(options, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * The status, headers and first `events` server-sent events of a watch (or its error answer),
 * with timestamps blanked; the connection is then dropped.
 */
function firstEvent(
  port: number,
  path: string,
  headers: Record<string, string>,
  events = 1,
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers, agent: false }, (res) => {
      let text = "";
      const done = () => {
        res.destroy();
        const pick = [
          "content-type",
          "content-length",
          "cache-control",
          "transfer-encoding",
          "access-control-allow-origin",
          "vary",
          "www-authenticate",
        ];
        resolve({
          status: res.statusCode ?? 0,
          headers: Object.fromEntries(pick.map((h) => [h, res.headers[h] ?? null])),
          text: text.replace(/\d{13}/g, "T"),
        });
      };
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
        if (text.split("\n\n").length > events) done();
      });
      res.on("end", done);
    });
    req.on("error", reject);
    req.end();
  });
}

/** What must be equal: status, the headers a client reads, and the body (timing aside). */
function comparable(answer: Answer) {
  const pick = [
    "content-type",
    "content-length",
    "transfer-encoding",
    "access-control-allow-origin",
    "vary",
    "www-authenticate",
  ];
  return {
    status: answer.status,
    // A Content-Length is there or not; its value moves with waitedMs.
    headers: Object.fromEntries(
      pick.map((h) => [
        h,
        h === "content-length" ? h in answer.headers : (answer.headers[h] ?? null),
      ]),
    ),
    body: answer.text.replace(/"waitedMs":[0-9.e-]+/, '"waitedMs":0'),
  };
}

const fieldValue = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double().filter((v) => !Number.isInteger(v)),
  fc.boolean(),
  fc.constant(null),
  fc.constant("x".repeat(3_000)),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
);
/** Acquire bodies on a few names (so they contend), valid or with one field wrong. */
const acquireBody = fc
  .record({
    base: fc.record({
      name: fc.constantFrom("a1", "a2", "b1"),
      id: fc.constantFrom("p1", "p2", "p3", "p4"),
      shared: fc.boolean(),
      ttl: fc.constant(60_000),
      waitMs: fc.constantFrom(0, 0, 10),
      nonBlocking: fc.boolean(),
    }),
    extra: fc.constantFrom(
      {},
      { limit: 2, shared: false },
      { value: { role: "x" } },
      { acquirerId: "me" },
    ),
    field: fc.constantFrom(
      "name",
      "id",
      "shared",
      "ttl",
      "waitMs",
      "limit",
      "value",
      "acquirerId",
      "nonBlocking",
      "none",
      "none",
      "none",
    ),
    wrong: fieldValue,
  })
  .map(({ base, extra, field, wrong }) =>
    JSON.stringify(
      field === "none" ? { ...base, ...extra } : { ...base, ...extra, [field]: wrong },
    ),
  );
const acquireRequest = fc.record({
  path: fc.constantFrom("/v1/acquire", "/v1/acquire?x=1"),
  body: fc.oneof(
    { weight: 8, arbitrary: acquireBody },
    { weight: 1, arbitrary: fc.constantFrom("", "{", "[]", "null", '"x"', "x".repeat(3_000)) },
  ),
  auth: fc.constantFrom(
    `Bearer ${TOKEN}`,
    `Bearer ${TOKEN}`,
    `Basic ${btoa(`${TOKEN}:`)}`,
    `Bearer ${READER}`,
    `Bearer ${SCOPED}`,
    "Bearer wrong-token-0123456789",
    "",
  ),
  origin: fc.constantFrom(ALLOWED, "http://elsewhere.example", ""),
  declaredLength: fc.constantFrom(undefined, undefined, undefined, 999_999),
});

describe("the routes Node serves from its own request (acquire, watch)", () => {
  it("answers every request exactly as the Hono route does, and counts it the same", async () => {
    const hono = app();
    const node = app();
    const honoPort = await servedByHono(hono);
    const served = await servedByNode(node);
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(acquireRequest, async (r) => {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (r.auth) headers.authorization = r.auth;
        if (r.origin) headers.origin = r.origin;
        if (r.declaredLength !== undefined) headers["content-length"] = String(r.declaredLength);
        // Both at once, so that waits and expiries see the same moments.
        const [viaHono, viaNode] = await Promise.all([
          send(honoPort, "POST", r.path, headers, r.declaredLength ? undefined : r.body),
          send(served.port, "POST", r.path, headers, r.declaredLength ? undefined : r.body),
        ]);
        sent++;
        expect(comparable(viaNode), `${r.auth} ${r.body.slice(0, 120)}`).toEqual(
          comparable(viaHono),
        );
      }),
      { numRuns: 400 },
    );
    expect(served.taken.count).toBe(sent);
    // Requests, statuses, routes and grants counted alike (durations aside).
    const counters = async (port: number) =>
      (await send(port, "GET", "/metrics", { authorization: `Bearer ${TOKEN}` })).text
        .split("\n")
        .filter((line) =>
          /^lockgate_(requests_total|grants_total|internal|request_duration_ms_count)/.test(line),
        )
        .filter((line) => !line.includes('route="/metrics"'));
    const honoCounters = await counters(honoPort);
    expect(honoCounters.length).toBeGreaterThan(3);
    expect(await counters(served.port)).toEqual(honoCounters);
  }, 120_000);

  it("streams a lock's states, and refuses a watch, exactly as the Hono route does", async () => {
    const hono = app();
    const node = app();
    const honoPort = await servedByHono(hono);
    const served = await servedByNode(node);
    const names = [
      { path: "w1", node: true },
      { path: "ci%2Fdeploy", node: true },
      { path: "%E2%9C%93", node: true },
      { path: "a1", node: true },
      { path: "x".repeat(1_025), node: true },
      // Hono decodes these in its own ways (twice; not at all): left to the app.
      { path: "%2561", node: false },
      { path: "%E0%A4%A", node: false },
    ];
    const auths = [`Bearer ${TOKEN}`, `Bearer ${READER}`, `Bearer ${SCOPED}`, "Bearer wrong", ""];
    let expectedTaken = 0;
    for (const name of names)
      for (const auth of auths)
        for (const origin of [ALLOWED, ""]) {
          const headers: Record<string, string> = {};
          if (auth) headers.authorization = auth;
          if (origin) headers.origin = origin;
          const path = `/v1/locks/${name.path}/watch`;
          const [viaHono, viaNode] = await Promise.all([
            firstEvent(honoPort, path, headers),
            firstEvent(served.port, path, headers),
          ]);
          if (name.node) expectedTaken++;
          const label = `${name.path.slice(0, 20)} ${auth} ${origin}`;
          expect(viaNode, label).toEqual(viaHono);
          expect(viaHono.status, label).toBeGreaterThan(0);
        }
    expect(served.taken.count).toBe(expectedTaken);
    // A state change reaches a watcher on the Node route as a second event.
    const watching = firstEvent(
      served.port,
      "/v1/locks/w2/watch",
      { authorization: `Bearer ${READER}` },
      2,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await send(
      served.port,
      "POST",
      "/v1/acquire",
      { authorization: `Bearer ${TOKEN}` },
      JSON.stringify({ name: "w2", id: "h1" }),
    );
    const two = await watching;
    expect(two.text.match(/^event: state$/gm)).toHaveLength(2);
    expect(two.text).toContain('"id":"h1"');
  });

  it("a watch whose reader stopped reading (its buffers full) sends the latest state after", async () => {
    const built = createApp(new StoreLeaseBackend(new MemoryStore()), {});
    const served = await servedByNode(built);
    const received: string[] = [];
    let response: import("node:http").IncomingMessage | undefined;
    const req = request(
      { host: "127.0.0.1", port: served.port, path: "/v1/locks/big/watch", agent: false },
      (res) => {
        response = res;
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => received.push(chunk));
      },
    );
    req.end();
    while (received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    response?.pause();
    // Each state carries a 16 KiB value: a few hundred fill every buffer on the way.
    const value = "v".repeat(16_000);
    for (let i = 0; i < 300; i++) {
      const granted = JSON.parse(
        (
          await send(
            served.port,
            "POST",
            "/v1/acquire",
            {},
            JSON.stringify({ name: "big", id: `h${i}`, value: [i, value] }),
          )
        ).text,
      );
      await send(served.port, "POST", "/v1/release", {}, JSON.stringify(granted.lease));
    }
    const last = JSON.parse(
      (
        await send(
          served.port,
          "POST",
          "/v1/acquire",
          {},
          JSON.stringify({ name: "big", id: "final" }),
        )
      ).text,
    );
    expect(last.status).toBe("granted");
    response?.resume();
    const deadline = Date.now() + 10_000;
    while (!received.join("").includes('"id":"final"') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(received.join("")).toContain('"id":"final"');
    response?.destroy();
  });

  it("answers a store's failure and an answer it cannot encode as the app does, and stays up", async () => {
    // A store that fails with an error of its own, then one whose lease JSON cannot encode.
    const failing = (fault: "throws" | "unencodable") => {
      const backend = new StoreLeaseBackend(new MemoryStore());
      backend.acquire = async (request) => {
        if (fault === "throws") throw new Error("the disk caught fire");
        const lease = { ...request, token: 1n as unknown as number };
        return { status: "granted", lease, sentAt: performance.now() };
      };
      return createApp(backend, {});
    };
    for (const fault of ["throws", "unencodable"] as const) {
      const honoPort = await servedByHono(failing(fault));
      const node = failing(fault);
      const served = await servedByNode(node);
      const body = JSON.stringify({ name: "n", id: "p1" });
      const [viaHono, viaNode] = await Promise.all([
        send(honoPort, "POST", "/v1/acquire", {}, body),
        send(served.port, "POST", "/v1/acquire", {}, body),
      ]);
      expect(comparable(viaNode)).toEqual(comparable(viaHono));
      expect(viaNode.status).toBe(500);
      expect(JSON.parse(viaNode.text)).toEqual({
        error: { code: "internal", message: "Internal error" },
      });
      expect(served.taken.count).toBe(1);
      const metrics = await send(served.port, "GET", "/metrics", {});
      expect(metrics.text).toMatch(/^lockgate_internal_errors_total 1$/m);
      expect((await send(served.port, "GET", "/healthz", {})).status).toBe(200);
    }
  });

  it("keeps the place of a client that goes away, and answers waiters at shutdown", async () => {
    const shutdown = new AbortController();
    const long = createApp(new StoreLeaseBackend(new MemoryStore()), {
      maxWait: 60_000,
      shutdown: shutdown.signal,
    });
    const served = await servedByNode(long);
    const post = (body: object, signal?: AbortSignal) =>
      fetch(`http://127.0.0.1:${served.port}/v1/acquire`, {
        method: "POST",
        body: JSON.stringify(body),
        ...(signal ? { signal } : {}),
      });
    expect(await (await post({ name: "n", id: "holder", ttl: 60_000 })).json()).toMatchObject({
      status: "granted",
    });
    const gone = new AbortController();
    const leaving = post({ name: "n", id: "leaver", ttl: 60_000, waitMs: 60_000 }, gone.signal);
    const staying = post({ name: "n", id: "stayer", ttl: 60_000, waitMs: 60_000 });
    const waiters = async () =>
      (
        (await (await fetch(`http://127.0.0.1:${served.port}/v1/locks/n`)).json()) as {
          waiters: { id: string }[];
        }
      ).waiters.map((w) => w.id);
    while ((await waiters()).length < 2) await new Promise((r) => setTimeout(r, 10));
    gone.abort();
    await expect(leaving).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 50));
    // The place outlives the connection (for its ttl), so a reconnect keeps it.
    expect(await waiters()).toEqual(["leaver", "stayer"]);
    shutdown.abort();
    const answer = await staying;
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ status: "waiting", position: -1 });
  });
});
