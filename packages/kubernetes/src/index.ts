export { type KubernetesLockerOptions, loadKubeConfig } from "./kube-config.ts";
export { createKubernetesLeaseBackend } from "./kubernetes-lease-backend.ts";
export { KubernetesLocker } from "./kubernetes-locker.ts";
export { parseObjectPath } from "./object-path.ts";
