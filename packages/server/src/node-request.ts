import type { IncomingMessage, ServerResponse } from "node:http";
import { type LinkedSignal, linkSignals } from "@lockgate/core";
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
  const incoming = env?.incoming;
  const outgoing = env?.outgoing;
  if (typeof incoming?.on !== "function" || typeof outgoing?.once !== "function") return undefined;
  return { incoming, outgoing };
}

/** Aborts when the client goes away before its answer is sent, or when `shutdown` aborts. */
export function untilGoneOrShutdown(c: Context, shutdown: AbortSignal): LinkedSignal {
  const node = nodeRequest(c);
  if (!node) return linkSignals(c.req.raw.signal, shutdown);
  if (shutdown.aborted) return { signal: shutdown, unlink: () => {} };
  const { outgoing } = node;
  const controller = new AbortController();
  const onClose = () => {
    if (!outgoing.writableFinished) abort("The client went away");
  };
  const onShutdown = () => abort(shutdown.reason);
  const abort = (reason: unknown) => {
    unlink();
    controller.abort(reason);
  };
  const unlink = () => {
    outgoing.removeListener("close", onClose);
    shutdown.removeEventListener("abort", onShutdown);
  };
  outgoing.once("close", onClose);
  shutdown.addEventListener("abort", onShutdown, { once: true });
  return { signal: controller.signal, unlink };
}
