import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { configMaps, type KubeApiStandIn, startKubeApiStandIn } from "@lockgate/kube-api-standin";
import type { ObjectReference } from "../object-reference.ts";

/** Somewhere ConfigMaps can be made for a test: the stand-in API server or a real cluster. */
export interface TestCluster {
  readonly kubeConfig: KubeConfig;
  /** The stand-in, for fault injection; undefined on a real cluster. */
  readonly standIn: KubeApiStandIn | undefined;
  /** A fresh, empty ConfigMap. */
  newConfigMap(): Promise<ObjectReference & { namespace: string }>;
  close(): Promise<void>;
}

let made = 0;

export async function startStandInCluster(
  options?: Parameters<typeof startKubeApiStandIn>[0],
): Promise<TestCluster> {
  const standIn = await startKubeApiStandIn(options);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(standIn.kubeconfig());
  return {
    kubeConfig,
    standIn,
    async newConfigMap() {
      const name = `locks-${++made}`;
      standIn.create(configMaps, { name, namespace: "lockgate-test" });
      return { apiVersion: "v1", kind: "ConfigMap", name, namespace: "lockgate-test" };
    },
    close: () => standIn.close(),
  };
}

/**
 * A real cluster when LOCKGATE_TEST_KUBECONFIG names a kubeconfig file (and optionally
 * LOCKGATE_TEST_NAMESPACE, default "default"); ConfigMaps it makes are deleted on close.
 */
export const realClusterKubeconfig: string | undefined =
  process.env.LOCKGATE_TEST_KUBECONFIG || undefined;

export async function connectRealCluster(): Promise<TestCluster> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(realClusterKubeconfig as string);
  const namespace = process.env.LOCKGATE_TEST_NAMESPACE || "default";
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const created: string[] = [];
  return {
    kubeConfig,
    standIn: undefined,
    async newConfigMap() {
      const name = `lockgate-test-${process.pid}-${++made}`;
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name } } });
      created.push(name);
      return { apiVersion: "v1", kind: "ConfigMap", name, namespace };
    },
    async close() {
      await Promise.allSettled(
        created.map((name) => core.deleteNamespacedConfigMap({ name, namespace })),
      );
    },
  };
}
