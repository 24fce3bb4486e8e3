import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { HttpLocker } from "@lockgate/http-client";
import { build } from "esbuild";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "./test-support/server-process.ts";

// HttpLocker in a real browser (Debian's Chromium, installed by `npm run verify`), on a page
// from another origin than the lock server, so CORS is part of what is proven.
const TOKEN = "browser-token-0123456789abcdef";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
let page: Server;
let pageOrigin: string;
let lockServer: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`No Chromium at ${CHROMIUM}: run npm run verify, or set CHROMIUM_PATH`);
  // Bundled for the browser platform: a Node built-in anywhere in the client would fail here.
  const bundle = await build({
    entryPoints: [
      join(import.meta.dirname, "..", "..", "..", "packages", "http-client", "src", "index.ts"),
    ],
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["@lockgate/source"],
    write: false,
    logLevel: "silent",
  });
  const client = bundle.outputFiles[0]?.text ?? "";
  page = createServer((req, res) => {
    if (req.url === "/client.js")
      res.writeHead(200, { "content-type": "text/javascript" }).end(client);
    else {
      res
        .writeHead(200, { "content-type": "text/html" })
        .end(
          '<!doctype html><title>lockgate</title><script type="module">import * as lockgate from "/client.js"; window.lockgate = lockgate;</script>',
        );
    }
  });
  await new Promise<void>((resolve) => page.listen(0, "127.0.0.1", resolve));
  pageOrigin = `http://127.0.0.1:${(page.address() as { port: number }).port}`;
  lockServer = await startServerProcess("node", ["--token", TOKEN, "--cors-origin", pageOrigin]);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await lockServer?.stop();
  page?.close();
});

describe("HttpLocker in a browser", () => {
  it("holds a lock across renewals, excludes a Node client, and hands over on release", async () => {
    const tab = await browser.newPage();
    await tab.goto(pageOrigin);
    await tab.waitForFunction(() => "lockgate" in globalThis);
    const ttl = 1_000;
    const token = await tab.evaluate(
      async ({ url, token, ttl }) => {
        const { HttpLocker } = (
          globalThis as unknown as { lockgate: typeof import("@lockgate/http-client") }
        ).lockgate;
        const locker = new HttpLocker(url, { token, leaseTtl: ttl });
        const lock = await locker.acquire("from-the-browser", { value: { where: "browser" } });
        (globalThis as { held?: unknown }).held = lock;
        return lock.fencingToken as number;
      },
      { url: lockServer.url, token: TOKEN, ttl },
    );
    expect(token).toBe(1);

    const node = new HttpLocker(lockServer.url, { token: TOKEN, leaseTtl: ttl });
    const waiting = node.acquire("from-the-browser", { timeout: 20_000 });
    let nodeGot = false;
    void waiting.then(() => {
      nodeGot = true;
    });
    // Well past the ttl: only the browser's own renewals keep the lock from the Node client.
    await new Promise((resolve) => setTimeout(resolve, ttl * 2.5));
    expect(nodeGot).toBe(false);
    const info = await node.inspect("from-the-browser");
    expect(info.holders.map((h) => h.value)).toEqual([{ where: "browser" }]);
    expect(
      await tab.evaluate(
        () => (globalThis as unknown as { held: { signal: AbortSignal } }).held.signal.aborted,
      ),
    ).toBe(false);

    await tab.evaluate(() =>
      (globalThis as unknown as { held: { release(): Promise<void> } }).held.release(),
    );
    const next = await waiting;
    expect(next.fencingToken).toBe(2);
    await next.release();
    await node.close();
    await tab.close();
  }, 60_000);

  it("is refused by the server for an origin it does not allow", async () => {
    const response = await fetch(`${lockServer.url}/v1/locks`, {
      method: "OPTIONS",
      headers: { origin: "http://evil.example", "access-control-request-method": "GET" },
    });
    expect(response.headers.get("access-control-allow-origin")).not.toBe("http://evil.example");
    const allowed = await fetch(`${lockServer.url}/v1/locks`, {
      method: "OPTIONS",
      headers: {
        origin: pageOrigin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      },
    });
    expect(allowed.headers.get("access-control-allow-origin")).toBe(pageOrigin);
  });
});
