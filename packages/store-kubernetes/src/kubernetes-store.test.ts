import { describeStoreConformance } from "@lockgate/store-conformance/vitest";
import { afterAll, beforeAll, describe, it } from "vitest";
import { goLockgateCodec, isFreeGoLockgateRecord } from "./go-lockgate-codec.ts";
import { KubernetesStore } from "./kubernetes-store.ts";
import {
  connectRealCluster,
  realClusterKubeconfig,
  startStandInCluster,
  type TestCluster,
} from "./test-support/clusters.ts";

// Every case gets a ConfigMap of its own, so annotation sizes never add up across cases.
function conformanceOn(name: string, open: () => Promise<TestCluster>): void {
  let cluster: TestCluster;
  const stores = new Map<KubernetesStore, Promise<unknown>>();
  beforeAll(async () => {
    cluster = await open();
  }, 30_000);
  afterAll(() => cluster?.close());
  describeStoreConformance(name, {
    createStore: async () =>
      new KubernetesStore({
        object: await cluster.newConfigMap(),
        // As KubernetesLocker runs it: free records kept aside, as Go lockgate leaves a free lock.
        isFree: isFreeGoLockgateRecord,
        kubeConfig: cluster.kubeConfig,
        resyncInterval: 1_000,
      }),
    destroyStore: async (store) => {
      stores.delete(store as KubernetesStore);
      await store.close?.();
    },
    capabilities: { watch: "latest", list: true },
    // The locker half runs with the records KubernetesLocker writes: Go lockgate's format and ours.
    codec: goLockgateCodec(),
  });
}

describe("through @kubernetes/client-node to the stand-in API server", () => {
  conformanceOn("KubernetesStore (stand-in)", () => startStandInCluster());
});

if (realClusterKubeconfig) {
  describe("on the real cluster named by LOCKGATE_TEST_KUBECONFIG", () => {
    conformanceOn("KubernetesStore (real cluster)", connectRealCluster);
  });
} else {
  describe("on a real cluster", () => {
    it.skip("skipped: set LOCKGATE_TEST_KUBECONFIG to a kubeconfig file (and LOCKGATE_TEST_NAMESPACE) to run the same suite against a real cluster", () => {});
  });
}
