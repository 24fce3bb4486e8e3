export {
  KubernetesLocker,
  type KubernetesLockerOptions,
  loadKubeConfig,
} from "./kubernetes-locker.ts";
