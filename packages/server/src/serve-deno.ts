import type { Serve } from "./start-server.ts";

declare const Deno: {
  serve(
    options: { hostname: string; port: number; onListen?: (addr: { port: number }) => void },
    handler: (r: Request) => Response | Promise<Response>,
  ): { finished: Promise<void>; shutdown(): Promise<void>; addr: { port: number } };
};

/** Serves a fetch handler with Deno.serve. */
export const serveDeno: Serve = async (fetch, hostname, port) => {
  const server = Deno.serve({ hostname, port, onListen: () => {} }, fetch);
  return { port: server.addr.port, close: () => server.shutdown() };
};
