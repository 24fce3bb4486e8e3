import { serve } from "@hono/node-server";
import { startServer } from "./start-server.ts";

await startServer(
  (fetch, hostname, port) =>
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
    }),
);
