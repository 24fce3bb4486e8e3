// The lock server's ceiling: a bare Hono app on the same runtime and the same serve code,
// answering the /v1 acquire and release calls at once, with no lock behind them.
import { Hono } from "hono";
import type { Serve } from "../src/start-server.ts";

const serve: Serve =
  "Bun" in globalThis
    ? (await import("../src/serve-bun.ts")).serveBun
    : "Deno" in globalThis
      ? (await import("../src/serve-deno.ts")).serveDeno
      : (await import("../src/serve-node.ts")).serveNode;

const app = new Hono();
let token = 0;
// Same shape of work as the real routes: read the JSON body, answer JSON.
app.post("/v1/acquire", async (c) => {
  const body = (await c.req.json()) as { name: string; id: string; ttl?: number };
  return c.json({
    status: "granted",
    lease: { name: body.name, id: body.id, shared: false, token: ++token, ttl: body.ttl ?? 10_000 },
    waitedMs: 0,
  });
});
app.post("/v1/release", async (c) => {
  await c.req.json();
  return c.body(null, 204);
});
const server = await serve(app.fetch, "127.0.0.1", 0);
console.log(`bare hono listening on http://127.0.0.1:${server.port}`);
