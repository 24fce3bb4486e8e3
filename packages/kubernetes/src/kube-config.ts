import { KubeConfig } from "@kubernetes/client-node";
import { type LockerOptions, LockgateError, type RecordCodec } from "@lockgate/core";
import type { GoLockgateCodecOptions, KubernetesStoreOptions } from "@lockgate/store-kubernetes";

export interface KubernetesLockerOptions
  extends LockerOptions,
    Omit<KubernetesStoreOptions, "kubeConfig" | "onError">,
    GoLockgateCodecOptions {
  /**
   * Where the cluster is: a KubeConfig you loaded, or how to load one. Default: `loadFromDefault()`
   * ($KUBECONFIG, then ~/.kube/config, then the pod's service account).
   */
  kubeConfig?: KubeConfig | { file: string; context?: string } | "in-cluster";
  /** How records are written. Default: Go lockgate's format with ours beside it (`goLockgateCodec`). */
  codec?: RecordCodec;
}

/** Loads a KubeConfig the way KubernetesLocker's `kubeConfig` option describes. */
export function loadKubeConfig(from?: KubernetesLockerOptions["kubeConfig"]): KubeConfig {
  if (from instanceof KubeConfig) return from;
  const kubeConfig = new KubeConfig();
  if (from === "in-cluster") kubeConfig.loadFromCluster();
  else if (from) {
    kubeConfig.loadFromFile(from.file);
    if (from.context) kubeConfig.setCurrentContext(from.context);
  } else kubeConfig.loadFromDefault();
  return kubeConfig;
}

/** What to do when no cluster can be found: the same advice wherever a kubeconfig is loaded. */
export const NO_CLUSTER_HINT = "set KUBECONFIG, or run in a pod with a service account";

/**
 * The default kubeconfig ($KUBECONFIG, ~/.kube/config, the pod's service account), on
 * `context` if given, and only if it names a cluster. Throws invalid-argument saying what is
 * missing: for a command line or a server that must refuse to start.
 */
export function loadClusterConfig(context?: string): KubeConfig {
  let kubeConfig: KubeConfig;
  try {
    kubeConfig = loadKubeConfig();
    if (context !== undefined) kubeConfig.setCurrentContext(context);
  } catch (error) {
    throw new LockgateError(
      "invalid-argument",
      `cannot load a kubeconfig: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!kubeConfig.getCurrentCluster())
    throw new LockgateError("invalid-argument", "no Kubernetes cluster configured");
  return kubeConfig;
}
