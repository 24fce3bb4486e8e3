import type { IncomingMessage, ServerResponse } from "node:http";
import type { LeaseBackend } from "@lockgate/core";
import type { AccessToken } from "./access-tokens.ts";
import type { AcquireRoute } from "./acquire-route.ts";
import { errorAnswer, errorBody } from "./api-error.ts";
import type { Metrics } from "./metrics.ts";
import { untilResponseClosedOrShutdown } from "./node-request.ts";
import { pathLockName, readNodeJson } from "./request-body.ts";
import { authenticate, authorizeToken, UNAUTHORIZED } from "./token-auth.ts";
import { STREAM_HEADERS, stateEvent } from "./watch-route.ts";

/**
 * Serves the requests it has a route for from Node's own request and response, and returns
 * false for the rest (they go to the Hono app). Only the requests that stay open are here,
 * `POST /v1/acquire` (a long-poll) and `GET /v1/locks/:name/watch` (a stream): under Hono and
 * @hono/node-server each kept a Context, wrappers, middleware frames and (for a stream) web
 * streams alive, about 5 of the 18 KiB a parked acquire cost and most of a watcher's 36 KiB.
 */
export type NodeRoutes = (incoming: IncomingMessage, outgoing: ServerResponse) => boolean;

export interface NodeRoutesOptions {
  readonly acquire: AcquireRoute;
  readonly backend: LeaseBackend;
  readonly metrics: Metrics;
  /** Accepted tokens; none means no auth. */
  readonly tokens: readonly AccessToken[];
  readonly corsOrigins: readonly string[];
  readonly bodyLimit: number;
  readonly shutdown: AbortSignal;
}

const ACQUIRE = "/v1/acquire";
const WATCH = "/v1/locks/:name/watch";
const WATCH_PATH = /^\/v1\/locks\/([^/?]+)\/watch(?:\?.*)?$/;

/** What a route answers: JSON, or a stream it writes itself once the headers are out. */
type Answer = { readonly json: string } | { readonly stream: () => Promise<void> };

/**
 * The same answers as the app's routes: the routes' work, auth, the error format and the
 * metrics are the app's own functions; the CORS headers are those Hono's `cors()` sends on a
 * request that is not a preflight. node-routes.test.ts compares the two fronts' answers.
 */
export function nodeRoutes(options: NodeRoutesOptions): NodeRoutes {
  return (incoming, outgoing) => {
    const url = incoming.url ?? "";
    let route: string;
    let answer: (token: AccessToken | undefined) => Promise<Answer>;
    if (incoming.method === "POST" && (url === ACQUIRE || url.startsWith(`${ACQUIRE}?`))) {
      route = ACQUIRE;
      answer = (token) => acquireAnswer(incoming, outgoing, options, token);
    } else if (incoming.method === "GET") {
      const name = watchedName(url);
      if (name === undefined) return false;
      route = WATCH;
      answer = async (token) => watchAnswer(outgoing, options, name, token);
    } else return false;
    // Every failure is answered inside; should writing the answer itself throw, the request
    // ends there instead of taking the process down with an unhandled rejection.
    serve(incoming, outgoing, options, route, answer).catch(() => outgoing.destroy());
    return true;
  };
}

/**
 * The lock name of a watch path, decoded as Hono decodes it. A path Hono would decode twice
 * (it holds "%25") or not at all (a malformed escape) is left to the app.
 */
function watchedName(url: string): string | undefined {
  const raw = WATCH_PATH.exec(url)?.[1];
  if (raw === undefined || raw.includes("%25")) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

async function acquireAnswer(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  options: NodeRoutesOptions,
  token: AccessToken | undefined,
): Promise<Answer> {
  const body = await readNodeJson(incoming, options.bodyLimit);
  const answer = await options.acquire(body, token, () =>
    untilResponseClosedOrShutdown(outgoing, options.shutdown),
  );
  return { json: JSON.stringify(answer) };
}

function watchAnswer(
  outgoing: ServerResponse,
  options: NodeRoutesOptions,
  name: string,
  token: AccessToken | undefined,
): Answer {
  pathLockName(name);
  authorizeToken(token, name, "read");
  return {
    stream: async () => {
      const wait = untilResponseClosedOrShutdown(outgoing, options.shutdown);
      try {
        for await (const info of options.backend.watch(name, wait.signal)) {
          // A slow reader holds the stream back rather than making the server queue states.
          if (!outgoing.write(stateEvent(info))) await drained(outgoing, wait.signal);
        }
      } catch (error) {
        // As Hono's streamSSE without an error handler: logged, and the stream ends.
        if (!wait.signal.aborted) console.error(error);
      } finally {
        wait.end();
        outgoing.end();
      }
    },
  };
}

/** Resolves once `outgoing` drains, or `signal` aborts (the client went away, shutdown). */
function drained(outgoing: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      outgoing.removeListener("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    outgoing.on("drain", done);
    signal.addEventListener("abort", done);
  });
}

async function serve(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  options: NodeRoutesOptions,
  appRoute: string,
  answer: (token: AccessToken | undefined) => Promise<Answer>,
): Promise<void> {
  const started = performance.now();
  const { corsOrigins, metrics } = options;
  const cors = corsOrigins.length > 0;
  const origin = incoming.headers.origin;
  if (cors && origin !== undefined && corsOrigins.includes(origin))
    outgoing.setHeader("access-control-allow-origin", origin);
  // Hono labels a request its auth middleware refused with that middleware's path.
  let route = appRoute;
  let status = 200;
  let answered: Answer;
  try {
    const auth = options.tokens.length > 0;
    const token = auth ? authenticate(options.tokens, incoming.headers.authorization) : undefined;
    if (auth && !token) {
      route = "/v1/*";
      status = 401;
      outgoing.setHeader("www-authenticate", UNAUTHORIZED.challenge);
      answered = { json: JSON.stringify(errorBody("unauthorized", UNAUTHORIZED.message)) };
    } else answered = await answer(token);
  } catch (error) {
    const failed = errorAnswer(error);
    if (failed.code === "internal") metrics.count("lockgate_internal_errors_total");
    status = failed.status;
    answered = { json: JSON.stringify(errorBody(failed.code, failed.message)) };
  }
  if (cors) outgoing.setHeader("vary", "Origin");
  if ("json" in answered) {
    // Not writeHead: `end` alone lets Node send a Content-Length, as the app's answers have.
    outgoing.statusCode = status;
    outgoing.setHeader("content-type", "application/json");
    outgoing.end(answered.json);
  } else outgoing.writeHead(status, STREAM_HEADERS);
  // Counted once the answer starts, as the app counts a stream it returns.
  metrics.observe(route, performance.now() - started);
  metrics.count("lockgate_requests_total", { route, status: String(status) });
  if ("stream" in answered) await answered.stream();
}
