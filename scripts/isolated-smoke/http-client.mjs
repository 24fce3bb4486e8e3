import { createServer } from "node:http";
import { isLockgateError } from "@lockgate/core";
import { HttpLocker } from "@lockgate/http-client";

// A tiny stand-in server answering /v1/acquire, so the packed client is used for real, alone.
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    const { name, id, shared, ttl } = JSON.parse(body || "{}");
    res.setHeader("content-type", "application/json");
    if (req.url === "/v1/acquire")
      res.end(
        JSON.stringify({
          status: "granted",
          lease: { name, id, shared, token: 7, ttl },
          waitedMs: 0,
        }),
      );
    else if (req.url === "/v1/release") res.writeHead(204).end();
    else res.writeHead(404).end(JSON.stringify({ error: { code: "not-found", message: "no" } }));
  });
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const locker = new HttpLocker(`http://127.0.0.1:${server.address().port}`, { token: "t" });
const lock = await locker.acquire("smoke");
if (lock.fencingToken !== 7) throw new Error(`token ${lock.fencingToken}`);
await lock.release();
const missing = await locker.inspect("x").catch((e) => e);
if (!isLockgateError(missing, "invalid-argument")) throw new Error(`unexpected ${missing}`);
await locker.close();
server.close();
console.log("http-client ok");
