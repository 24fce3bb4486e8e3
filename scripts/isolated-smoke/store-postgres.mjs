import { createServer } from "node:net";
import { isLockgateError } from "@lockgate/core";
import { PostgresLocker, postgresSchema } from "@lockgate/store-postgres";

// No PostgreSQL runs here: the package must install alone, load, and fail with a clear,
// retryable store-unavailable error on a port where nothing listens.
const port = await new Promise((resolve) => {
  const server = createServer().listen(0, "127.0.0.1", () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});
if (!postgresSchema()[1]?.startsWith("CREATE TABLE")) throw new Error("no schema statements");
const locker = new PostgresLocker({
  connection: { host: "127.0.0.1", port, user: "smoke", password: "smoke" },
  callTimeout: 300,
});
const error = await locker.acquire("smoke", { nonBlocking: true }).catch((e) => e);
if (!isLockgateError(error, "store-unavailable") || !error.retryable)
  throw new Error(`unexpected: ${error}`);
await locker.close();
console.log("store-postgres ok (store-unavailable without a server)");
