import { Locker } from "@lockgate/core";
import type { KubernetesStore } from "@lockgate/store-kubernetes";
import type { KubernetesLockerOptions } from "./kube-config.ts";
import { createKubernetesLeaseBackend } from "./kubernetes-lease-backend.ts";

/**
 * Locks kept in the annotations of one Kubernetes object, shared by every pod, CI runner or
 * laptop that can reach the cluster, and by Go lockgate (werf) processes locking the same names
 * on the same object.
 */
export class KubernetesLocker extends Locker {
  readonly store: KubernetesStore;

  constructor(options: KubernetesLockerOptions) {
    const { backend, store } = createKubernetesLeaseBackend(options);
    const {
      kubeConfig: _k,
      codec: _c,
      goLeaseTtl: _t,
      goExpiryMargin: _m,
      now: _n,
      ...rest
    } = options;
    super(backend, rest);
    this.store = store;
  }
}
