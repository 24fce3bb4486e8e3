import { createStoreLeaseBackend, type LeaseBackend } from "@lockgate/core";
import {
  goLockgateCodec,
  isFreeGoLockgateRecord,
  KubernetesStore,
} from "@lockgate/store-kubernetes";
import { type KubernetesLockerOptions, loadKubeConfig } from "./kube-config.ts";

/**
 * The lease backend of KubernetesLocker, for those who serve it (a lock server): records in
 * Go lockgate's format unless another codec is given, so Go processes share the locks.
 */
export function createKubernetesLeaseBackend(options: KubernetesLockerOptions): {
  backend: LeaseBackend;
  store: KubernetesStore;
} {
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
  const backend = createStoreLeaseBackend(store, { ...rest, codec: recordCodec, closeStore: true });
  return { backend, store };
}
