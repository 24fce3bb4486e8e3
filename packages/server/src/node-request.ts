import type { IncomingMessage, ServerResponse } from "node:http";
import { linkSignals } from "@lockgate/core";
import type { Context } from "hono";

/**
 * Node's own request and response under @hono/node-server (`c.env`). Reading the body or the
 * abort signal of `c.req.raw` there makes a whole fetch Request (headers, an AbortController,
 * web streams over the socket): about a third of what a parked long-poll kept alive. Node's
 * objects give both for nothing more.
 */
export function nodeRequest(
  c: Context,
): { incoming: IncomingMessage; outgoing: ServerResponse } | undefined {
  const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;
  if (typeof env?.incoming?.on !== "function" || typeof env.outgoing?.once !== "function")
    return undefined;
  // @hono/node-server's env is that pair already: no object per call (twice per request).
  return env as { incoming: IncomingMessage; outgoing: ServerResponse };
}

/**
 * A request header (`name` in lower case). On Node it is read from Node's own parsed headers:
 * `c.req.header()` there builds a fetch Headers object per request, kept as long as the request.
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const node = nodeRequest(c);
  if (!node) return c.req.header(name);
  const value = node.incoming.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/** A request's wait: `signal` aborts when the client goes away or the server shuts down. */
export interface RequestWait {
  readonly signal: AbortSignal;
  /** Detaches from the request and the shutdown signal once the wait is over. */
  end(): void;
}

/** Waits on Node, each aborted by one listener on the shutdown signal, not one per request. */
const waitsOn = new WeakMap<AbortSignal, Set<AbortController>>();

function waitsAborted(shutdown: AbortSignal): Set<AbortController> {
  let waits = waitsOn.get(shutdown);
  if (!waits) {
    const created = new Set<AbortController>();
    shutdown.addEventListener(
      "abort",
      () => {
        for (const wait of [...created]) wait.abort(shutdown.reason);
        created.clear();
      },
      { once: true },
    );
    waitsOn.set(shutdown, created);
    waits = created;
  }
  return waits;
}

/** Aborts when the client goes away before its answer is sent, or when `shutdown` aborts. */
export function untilGoneOrShutdown(c: Context, shutdown: AbortSignal): RequestWait {
  const node = nodeRequest(c);
  if (!node) {
    const linked = linkSignals(c.req.raw.signal, shutdown);
    return { signal: linked.signal, end: linked.unlink };
  }
  return untilResponseClosedOrShutdown(node.outgoing, shutdown);
}

/** `untilGoneOrShutdown` for Node's own response: aborts if it closes before it is sent. */
export function untilResponseClosedOrShutdown(
  outgoing: ServerResponse,
  shutdown: AbortSignal,
): RequestWait {
  if (shutdown.aborted) return { signal: shutdown, end: () => {} };
  return new NodeRequestWait(outgoing, waitsAborted(shutdown));
}

class NodeRequestWait implements RequestWait {
  readonly #controller = new AbortController();
  readonly #outgoing: ServerResponse;
  readonly #waits: Set<AbortController>;
  readonly #onClose: () => void;

  constructor(outgoing: ServerResponse, waits: Set<AbortController>) {
    this.#outgoing = outgoing;
    this.#waits = waits;
    this.#onClose = () => {
      if (outgoing.writableFinished) return;
      this.end();
      this.#controller.abort("The client went away");
    };
    // `on`, not `once`: #onClose detaches itself, and `once` would add a wrapper per waiter.
    outgoing.on("close", this.#onClose);
    waits.add(this.#controller);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  end(): void {
    this.#outgoing.removeListener("close", this.#onClose);
    this.#waits.delete(this.#controller);
  }
}
