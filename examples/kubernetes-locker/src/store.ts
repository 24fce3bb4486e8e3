import { KubeConfig } from "@kubernetes/client-node";
import { createLocker, type Locker } from "@lockgate/core";
import { goLockgateCodec, KubernetesStore } from "@lockgate/store-kubernetes";

/** The algorithm over the store, with a cluster-scoped custom resource by group/version/resource. */
export function boardLocker(): Locker {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const store = new KubernetesStore({
    object: { group: "example.com", version: "v1", resource: "lockboards", name: "main" },
    kubeConfig,
  });
  return createLocker(store, { codec: goLockgateCodec(), closeStore: true, leaseTtl: 15_000 });
}
