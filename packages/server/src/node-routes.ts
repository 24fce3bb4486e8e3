import type { IncomingMessage, ServerResponse } from "node:http";
import type { AccessToken } from "./access-tokens.ts";
import type { AcquireRoute } from "./acquire-route.ts";
import { errorAnswer, errorBody } from "./api-error.ts";
import type { Metrics } from "./metrics.ts";
import { untilResponseClosedOrShutdown } from "./node-request.ts";
import { readNodeJson } from "./request-body.ts";
import { authenticate, UNAUTHORIZED } from "./token-auth.ts";

/**
 * Serves the requests it has a route for from Node's own request and response, and returns
 * false for the rest (they go to the Hono app). Only `POST /v1/acquire` is here: it is the
 * request that waits, and a parked long-poll under Hono and @hono/node-server keeps their
 * Context, wrappers and middleware frames alive: about 5 of the 18 KiB each waiter cost.
 */
export type NodeRoutes = (incoming: IncomingMessage, outgoing: ServerResponse) => boolean;

export interface NodeRoutesOptions {
  readonly acquire: AcquireRoute;
  readonly metrics: Metrics;
  /** Accepted tokens; none means no auth. */
  readonly tokens: readonly AccessToken[];
  readonly corsOrigins: readonly string[];
  readonly bodyLimit: number;
  readonly shutdown: AbortSignal;
}

const ACQUIRE = "/v1/acquire";

/**
 * The same answers as the app's route: the route itself, auth, the error format and the metrics
 * are the app's own functions; the CORS headers are those Hono's `cors()` sends on a request
 * that is not a preflight. node-routes.test.ts compares the two fronts' answers.
 */
export function nodeRoutes(options: NodeRoutesOptions): NodeRoutes {
  return (incoming, outgoing) => {
    const url = incoming.url ?? "";
    // Anything else that Hono would route here too (an encoded path) still reaches the app.
    if (incoming.method !== "POST" || !(url === ACQUIRE || url.startsWith(`${ACQUIRE}?`)))
      return false;
    // Every failure is answered inside; should writing the answer itself throw, the request
    // ends there instead of taking the process down with an unhandled rejection.
    serveAcquire(incoming, outgoing, options).catch(() => outgoing.destroy());
    return true;
  };
}

async function serveAcquire(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  options: NodeRoutesOptions,
): Promise<void> {
  const started = performance.now();
  const { corsOrigins, metrics } = options;
  const cors = corsOrigins.length > 0;
  const origin = incoming.headers.origin;
  if (cors && origin !== undefined && corsOrigins.includes(origin))
    outgoing.setHeader("access-control-allow-origin", origin);
  // Hono labels a request its auth middleware refused with that middleware's path.
  let route = ACQUIRE;
  let status = 200;
  let text: string;
  try {
    const token =
      options.tokens.length > 0
        ? authenticate(options.tokens, incoming.headers.authorization)
        : undefined;
    if (options.tokens.length > 0 && !token) {
      route = "/v1/*";
      status = 401;
      outgoing.setHeader("www-authenticate", UNAUTHORIZED.challenge);
      text = JSON.stringify(errorBody("unauthorized", UNAUTHORIZED.message));
    } else {
      const body = await readNodeJson(incoming, options.bodyLimit);
      const answer = await options.acquire(body, token, () =>
        untilResponseClosedOrShutdown(outgoing, options.shutdown),
      );
      text = JSON.stringify(answer);
    }
  } catch (error) {
    const failed = errorAnswer(error);
    if (failed.code === "internal") metrics.count("lockgate_internal_errors_total");
    status = failed.status;
    text = JSON.stringify(errorBody(failed.code, failed.message));
  }
  if (cors) outgoing.setHeader("vary", "Origin");
  outgoing.writeHead(status, { "content-type": "application/json" });
  outgoing.end(text);
  metrics.observe(route, performance.now() - started);
  metrics.count("lockgate_requests_total", { route, status: String(status) });
}
