import { serve } from "@hono/node-server";
import type { Serve } from "./start-server.ts";

/** Serves a fetch handler on Node through @hono/node-server. */
export const serveNode: Serve = (fetch, hostname, port) =>
  new Promise((resolve) => {
    const server = serve({ fetch, hostname, port }, (info) => {
      resolve({
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            // Stop accepting; in-flight requests finish; idle keep-alive sockets go now.
            server.close(() => done());
            (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
          }),
      });
    });
  });
