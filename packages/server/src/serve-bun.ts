import type { Serve } from "./start-server.ts";

declare const Bun: {
  serve(options: {
    fetch: (r: Request) => Response | Promise<Response>;
    hostname: string;
    port: number;
    idleTimeout?: number;
  }): {
    port: number;
    stop(closeActive?: boolean): Promise<void>;
  };
};

/** Serves a fetch handler with Bun.serve. */
export const serveBun: Serve = async (fetch, hostname, port) => {
  // Long-polls stay open up to --max-wait: Bun's idle timeout (seconds) must outlast them.
  const server = Bun.serve({ fetch, hostname, port, idleTimeout: 255 });
  return { port: server.port, close: () => server.stop(false) };
};
