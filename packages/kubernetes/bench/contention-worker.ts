// One contender process of the cross-process bench on the cluster in $KUBECONFIG:
// KubernetesLocker ("ours") or Go lockgate's algorithm re-enacted ("peer"), on one ConfigMap.
// Args: ours|peer, ConfigMap name, namespace, then contentionWorkerMain's.
import process from "node:process";
import { KubeConfig } from "@kubernetes/client-node";
import { contentionWorkerMain } from "@lockgate/process-harness";
import { KubernetesLocker } from "../src/kubernetes-locker.ts";
import { GoLockgateClient } from "../src/test-support/go-lockgate-client.ts";

const [kind = "ours", name = "", namespace = "", ...rest] = process.argv.slice(2);
if (kind === "ours") {
  const locker = new KubernetesLocker({
    object: { apiVersion: "v1", kind: "ConfigMap", name, namespace },
  });
  await contentionWorkerMain(
    () => locker.acquire("contended"),
    () => locker.close(),
    rest,
  );
} else {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const go = new GoLockgateClient({ kubeConfig, name, namespace });
  await contentionWorkerMain(
    async () => {
      const uuid = await go.acquire("contended");
      return { release: () => go.release("contended", uuid) };
    },
    async () => {},
    rest,
  );
}
