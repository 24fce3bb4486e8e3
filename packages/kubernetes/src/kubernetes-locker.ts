import { KubeConfig } from "@kubernetes/client-node";
import {
  createStoreLeaseBackend,
  Locker,
  type LockerOptions,
  type RecordCodec,
} from "@lockgate/core";
import {
  type GoLockgateCodecOptions,
  goLockgateCodec,
  isFreeGoLockgateRecord,
  KubernetesStore,
  type KubernetesStoreOptions,
} from "@lockgate/store-kubernetes";

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

/**
 * Locks kept in the annotations of one Kubernetes object, shared by every pod, CI runner or
 * laptop that can reach the cluster, and by Go lockgate (werf) processes locking the same names
 * on the same object.
 */
export class KubernetesLocker extends Locker {
  readonly store: KubernetesStore;

  constructor(options: KubernetesLockerOptions) {
    const { kubeConfig, codec, goLeaseTtl, goExpiryMargin, now, ...rest } = options;
    const store = new KubernetesStore({
      ...rest,
      kubeConfig: loadKubeConfig(kubeConfig),
      ...(options.onError ? { onError: options.onError } : {}),
      // With Go's format, a free lock is left as Go leaves one: no lock annotation.
      ...(codec === undefined ? { isFree: isFreeGoLockgateRecord } : {}),
    });
    const recordCodec =
      codec ??
      goLockgateCodec({
        ...(goLeaseTtl === undefined ? {} : { goLeaseTtl }),
        ...(goExpiryMargin === undefined ? {} : { goExpiryMargin }),
        ...(now === undefined ? {} : { now }),
      });
    super(createStoreLeaseBackend(store, { ...rest, codec: recordCodec, closeStore: true }), rest);
    this.store = store;
  }
}
