import process from "node:process";
import { serve } from "@hono/node-server";
import { createApp, createBackend } from "@lockgate/server";

// The app `lockgate-server` runs, inside your own Node service: your routes beside it, one
// process. The token comes from the environment, never from the command line.
const token = process.env.LOCKGATE_TOKEN;
if (!token || token.length < 16) throw new Error("set LOCKGATE_TOKEN (16+ characters)");

const backend = await createBackend({ kind: "file", dir: "/tmp/app-locks", staleMs: 10_000 });
const { app } = createApp(backend, { tokens: [token], storeName: "file /tmp/app-locks" });
app.get("/hello", (c) => c.text("my own route, beside the lock server's"));

const server = serve(
  { fetch: app.fetch, hostname: "127.0.0.1", port: Number(process.env.PORT ?? 55589) },
  (info) => console.log(`locks at http://127.0.0.1:${info.port}`),
);
process.on("SIGTERM", async () => {
  server.close();
  await backend.close();
});
