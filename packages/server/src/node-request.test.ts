import { request } from "node:http";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { BadRequest } from "./api-error.ts";
import { nodeRequest, requestHeader, untilGoneOrShutdown } from "./node-request.ts";
import { readJson } from "./request-body.ts";

const servers: { close: () => void }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A Hono app served by @hono/node-server on a free 127.0.0.1 port, as the server runs it. */
async function served(app: Hono): Promise<number> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) =>
      resolve(info.port),
    );
    servers.push(server);
  });
}

/** POSTs `parts` as they come (more than one: a chunked body without a declared length). */
function post(port: number, ...parts: string[]): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", method: "POST" }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    for (const part of parts.slice(0, -1)) req.write(part);
    req.end(parts.at(-1));
  });
}

describe("Node's own request under @hono/node-server", () => {
  it("reads headers from Node's request there, and from the fetch Request elsewhere", async () => {
    const app = new Hono();
    app.post("/", (c) =>
      c.json({
        node: nodeRequest(c) !== undefined,
        auth: requestHeader(c, "authorization") ?? null,
        length: requestHeader(c, "content-length") ?? null,
        absent: requestHeader(c, "x-absent") ?? null,
      }),
    );
    const port = await served(app);
    const viaNode = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path: "/",
          method: "POST",
          headers: { authorization: "Bearer t0k", "content-length": "2" },
        },
        (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => {
            text += chunk;
          });
          res.on("end", () => resolve(text));
        },
      );
      req.on("error", reject);
      req.end("{}");
    });
    expect(JSON.parse(viaNode)).toEqual({
      node: true,
      auth: "Bearer t0k",
      length: "2",
      absent: null,
    });
    // Without Node's objects (Bun, Deno, app.request in tests): the fetch Request's headers.
    const viaFetch = await app.request("/", {
      method: "POST",
      headers: { authorization: "Basic abc" },
      body: "{}",
    });
    expect(await viaFetch.json()).toMatchObject({ node: false, auth: "Basic abc", absent: null });
  });

  it("reads the JSON body from Node's request, and refuses one over the limit with a 413 that arrives", async () => {
    const app = new Hono();
    let usedNode = false;
    app.post("/", async (c) => {
      usedNode = nodeRequest(c) !== undefined;
      return c.json(await readJson(c, 64));
    });
    app.onError((error, c) =>
      error instanceof BadRequest
        ? c.json({ code: error.code }, error.status)
        : c.json({ code: "internal" }, 500),
    );
    const port = await served(app);
    expect(await post(port, JSON.stringify({ name: "a" }))).toEqual({
      status: 200,
      text: '{"name":"a"}',
    });
    expect(usedNode).toBe(true);
    // Over the limit without a declared length (chunked): read up to the limit, then refused.
    const big = await post(port, `{"name":"${"x".repeat(100)}`, '"}');
    expect(big.status).toBe(413);
    expect(JSON.parse(big.text)).toEqual({ code: "payload-too-large" });
    expect((await post(port, "{not json")).status).toBe(400);
  });

  it("aborts a long wait when the client goes away, and when the server shuts down", async () => {
    const app = new Hono();
    const shutdown = new AbortController();
    const ended: unknown[] = [];
    let entered: () => void = () => {};
    app.post("/", async (c) => {
      const wait = untilGoneOrShutdown(c, shutdown.signal);
      const signal = wait.signal;
      entered();
      await new Promise<void>((resolve) =>
        signal.addEventListener("abort", () => resolve(), { once: true }),
      );
      ended.push(signal.reason);
      wait.end();
      return c.json({ status: "waiting" });
    });
    const port = await served(app);

    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const gone = request({ host: "127.0.0.1", port, path: "/", method: "POST" });
    gone.on("error", () => {});
    gone.end("{}");
    await inside;
    gone.destroy();
    await expect.poll(() => ended.length).toBe(1);
    expect(ended[0]).toBe("The client went away");

    const inside2 = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const answered = post(port, "{}");
    await inside2;
    shutdown.abort("shutting down");
    expect(await answered).toEqual({ status: 200, text: '{"status":"waiting"}' });
    expect(ended[1]).toBe("shutting down");
  });
});
