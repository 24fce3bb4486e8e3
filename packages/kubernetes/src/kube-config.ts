import { KubeConfig } from "@kubernetes/client-node";
import type { LockerOptions, RecordCodec } from "@lockgate/core";
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
