import { StoreLeaseBackend } from "@lockgate/core";
import { MemoryStore } from "@lockgate/store-memory";
import { describe, expect, it } from "vitest";
import { createApp } from "./create-app.ts";
import { serveNode } from "./serve-node.ts";

describe("serveNode", () => {
  it("closes a kept-alive connection whose answer goes out after close() began", async () => {
    const shutdown = new AbortController();
    const { app, nodeRoutes } = createApp(new StoreLeaseBackend(new MemoryStore()), {
      maxWait: 60_000,
      shutdown: shutdown.signal,
    });
    const server = await serveNode(app.fetch, "127.0.0.1", 0, nodeRoutes);
    const post = (body: object) =>
      fetch(`http://127.0.0.1:${server.port}/v1/acquire`, {
        method: "POST",
        body: JSON.stringify(body),
      });
    await (await post({ name: "n", id: "holder", ttl: 60_000 })).text();
    const waiting = post({ name: "n", id: "waiter", ttl: 60_000, waitMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    const closed = server.close();
    // The long-poll is answered only now, on a connection the client keeps alive for 4 s.
    shutdown.abort();
    expect(await (await waiting).json()).toEqual({ status: "waiting", position: -1 });
    await closed;
    // Left alone, the connection would idle until the client's keep-alive timeout (4 s).
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
