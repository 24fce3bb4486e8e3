import { createServer } from "node:http";
import { getRequestListener } from "@hono/node-server";
import type { Serve } from "./start-server.ts";

/**
 * Serves on node:http: requests `nodeRoutes` answers itself, the rest through @hono/node-server.
 */
export const serveNode: Serve = (fetch, hostname, port, nodeRoutes) =>
  new Promise((resolve, reject) => {
    const viaFetch = getRequestListener(fetch);
    const server = createServer((incoming, outgoing) => {
      if (nodeRoutes?.(incoming, outgoing)) return;
      void viaFetch(incoming, outgoing);
    });
    server.once("error", reject);
    server.listen(port, hostname, () => {
      const address = server.address();
      resolve({
        port: typeof address === "object" && address ? address.port : port,
        close: () =>
          new Promise<void>((done) => {
            // Stop accepting; in-flight requests finish; idle keep-alive sockets go now, and
            // so does each one whose answer goes out later (else it idles until a timeout).
            const sweep = setInterval(() => server.closeIdleConnections(), 50);
            server.close(() => {
              clearInterval(sweep);
              done();
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
