import { createServer } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { isLockgateError } from "@lockgate/core";
import { KubernetesLocker } from "@lockgate/kubernetes";

// No cluster runs here: the package must install alone, hash names as Go lockgate does, and
// fail with a clear, retryable store-unavailable error where no API server listens.
const port = await new Promise((resolve) => {
  const server = createServer().listen(0, "127.0.0.1", () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});
const kubeConfig = new KubeConfig();
kubeConfig.loadFromOptions({
  clusters: [{ name: "none", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
  users: [{ name: "none", token: "not-a-secret-0000" }],
  contexts: [{ name: "none", cluster: "none", user: "none" }],
  currentContext: "none",
});
const locker = new KubernetesLocker({
  object: { group: "", version: "v1", resource: "configmaps", name: "locks", namespace: "ci" },
  kubeConfig,
  callTimeout: 500,
});
const error = await locker.acquire("smoke", { nonBlocking: true }).catch((e) => e);
if (!isLockgateError(error, "store-unavailable") || !error.retryable)
  throw new Error(`unexpected: ${error}`);
await locker.close();
console.log("kubernetes ok (store-unavailable without an API server)");
