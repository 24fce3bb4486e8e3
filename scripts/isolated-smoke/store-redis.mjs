import { createServer } from "node:net";
import { isLockgateError } from "@lockgate/core";
import { RedisLocker } from "@lockgate/store-redis";

// No Redis runs here: the package must install alone, load, and fail with a clear, retryable
// store-unavailable error on a port where nothing listens.
const port = await new Promise((resolve) => {
  const server = createServer().listen(0, "127.0.0.1", () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});
const locker = new RedisLocker({ url: `redis://127.0.0.1:${port}`, callTimeout: 300 });
const error = await locker.acquire("smoke", { nonBlocking: true }).catch((e) => e);
if (!isLockgateError(error, "store-unavailable") || !error.retryable)
  throw new Error(`unexpected: ${error}`);
await locker.close();
console.log("store-redis ok (store-unavailable without a server)");
