#!/usr/bin/env node
// `lockgate-server`: the lock server on whichever runtime runs this file, each with its own
// HTTP server (Bun.serve, Deno.serve, or node:http through @hono/node-server).
import type { Serve } from "./start-server.ts";
import { startServer } from "./start-server.ts";

async function runtimeServe(): Promise<Serve> {
  if ("Bun" in globalThis) return (await import("./serve-bun.ts")).serveBun;
  if ("Deno" in globalThis) return (await import("./serve-deno.ts")).serveDeno;
  return (await import("./serve-node.ts")).serveNode;
}

await startServer(await runtimeServe());
