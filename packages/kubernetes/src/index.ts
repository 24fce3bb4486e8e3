export {
  type KubernetesLockerOptions,
  loadClusterConfig,
  loadKubeConfig,
  NO_CLUSTER_HINT,
} from "./kube-config.ts";
export { createKubernetesLeaseBackend } from "./kubernetes-lease-backend.ts";
export { KubernetesLocker } from "./kubernetes-locker.ts";
export { parseObjectPath } from "./object-path.ts";
