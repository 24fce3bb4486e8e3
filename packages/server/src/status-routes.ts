import type { LockInfo } from "@lockgate/core";
import type { Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { type AccessToken, mayAccess, tokenFor } from "./access-tokens.ts";
import { untilGoneOrShutdown } from "./node-request.ts";
import { STATUS_CSS, STATUS_JS } from "./status-assets.ts";
import type { StatusFeed } from "./status-feed.ts";
import { locksHtml, pageHtml, type ServerFacts } from "./status-html.ts";

export interface StatusPageOptions {
  readonly feed: StatusFeed;
  /** Empty when the server runs without auth. */
  readonly tokens: readonly AccessToken[];
  readonly facts: ServerFacts;
  readonly shutdown: AbortSignal;
  readonly list: () => Promise<readonly LockInfo[]>;
}

// The page runs only its own script and style, talks only to this server, and is never framed.
const PAGE_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

/**
 * The live status page at `/`: every lock the viewer's token may read, its holders and its
 * queue, updated by server-sent events. GET without auth on shows a snapshot at once; with
 * auth, the token comes from a form (POST, so never in the URL) or, live, from the page's
 * script as a header.
 */
export function mountStatusPage(app: Hono, options: StatusPageOptions): void {
  const { feed, tokens, facts, shutdown } = options;
  const auth = tokens.length > 0;
  const visible = (locks: readonly LockInfo[], token: AccessToken | undefined) =>
    locks.filter((l) => mayAccess(token, l.name, "read"));

  app.get("/status.css", (c) =>
    c.body(STATUS_CSS, 200, {
      "content-type": "text/css; charset=utf-8",
      "cache-control": "no-cache",
    }),
  );
  app.get("/status.js", (c) =>
    c.body(STATUS_JS, 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "no-cache",
    }),
  );

  const page = async (
    c: Context,
    token: AccessToken | undefined,
    prefix: string,
    notice?: string,
  ) => {
    const show = !auth || token !== undefined;
    const locks = show
      ? locksHtml(visible(await options.list(), token), prefix, Date.now())
      : undefined;
    return c.html(
      pageHtml({
        facts,
        prefix,
        auth,
        ...(locks === undefined ? {} : { locks }),
        ...(notice ? { notice } : {}),
      }),
      notice ? 401 : 200,
      PAGE_HEADERS,
    );
  };
  app.get("/", (c) => page(c, undefined, c.req.query("prefix") ?? ""));
  app.post("/", async (c) => {
    // Only the page's own form: URL-encoded, small. Anything else reads as an empty form.
    const type = c.req.header("content-type") ?? "";
    const text = type.startsWith("application/x-www-form-urlencoded") ? await c.req.text() : "";
    const form = new URLSearchParams(text.length <= 16_384 ? text : "");
    const prefix = (form.get("prefix") ?? "").slice(0, 1024);
    if (!auth) return page(c, undefined, prefix);
    const secret = form.get("token");
    const token = secret ? tokenFor(tokens, secret) : undefined;
    if (!token) return page(c, undefined, prefix, "The token was refused.");
    return page(c, token, prefix);
  });

  // Behind the API's auth (mounted under /v1/*): the token arrives as a header.
  app.get("/v1/status", async (c) => {
    const prefix = c.req.query("prefix") ?? "";
    const token = c.get("accessToken") as AccessToken | undefined;
    const locks = visible(await options.list(), token).filter((l) => l.name.startsWith(prefix));
    return c.json({
      server: { ...facts, uptimeMs: Date.now() - facts.startedAt },
      locks,
    });
  });
  app.get("/v1/status/stream", (c) => {
    const prefix = (c.req.query("prefix") ?? "").slice(0, 1024);
    const token = c.get("accessToken") as AccessToken | undefined;
    c.header("cache-control", "no-store");
    return streamSSE(c, async (stream) => {
      const wait = untilGoneOrShutdown(c, shutdown);
      const stop = wait.signal;
      let last = "";
      let wake: () => void = () => {};
      let pending: readonly LockInfo[] | undefined;
      const unsubscribe = feed.subscribe((locks) => {
        pending = locks;
        wake();
      });
      stop.addEventListener("abort", () => wake(), { once: true });
      try {
        while (!stop.aborted) {
          if (pending) {
            const locks = visible(pending, token);
            pending = undefined;
            const html = locksHtml(locks, prefix, Date.now());
            // The stamp changes every time: compare what is shown without it.
            const shown = html.replace(/<time data-stamp=[\s\S]*?<\/time>/, "");
            if (shown !== last) {
              last = shown;
              await stream.writeSSE({ event: "locks", data: html });
            }
          }
          await new Promise<void>((resolve) => {
            const keepAlive = setTimeout(() => wake(), 15_000);
            wake = () => {
              clearTimeout(keepAlive);
              wake = () => {};
              resolve();
            };
            if (pending || stop.aborted) wake();
          });
          if (!pending && !stop.aborted) await stream.write(": keep-alive\n\n");
        }
      } finally {
        unsubscribe();
        wait.end();
      }
    });
  });
}
