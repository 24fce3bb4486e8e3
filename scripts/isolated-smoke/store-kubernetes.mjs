import { createServer } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { isLockgateError } from "@lockgate/core";
import { KubernetesStore, lockAnnotationKey } from "@lockgate/store-kubernetes";

// No cluster runs here: the package must install alone, hash names as Go lockgate does, and
// fail with a clear, retryable store-unavailable error where no API server listens.
if (
  lockAnnotationKey("") !== "lockgate.io/6b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7"
)
  throw new Error("wrong annotation key");
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
const store = new KubernetesStore({
  object: { group: "", version: "v1", resource: "configmaps", name: "locks", namespace: "ci" },
  kubeConfig,
  callTimeout: 500,
});
const error = await store.get("smoke").catch((e) => e);
if (!isLockgateError(error, "store-unavailable") || !error.retryable)
  throw new Error(`unexpected: ${error}`);
await store.close();
console.log("store-kubernetes ok (store-unavailable without an API server)");
