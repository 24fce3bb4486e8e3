export type { ApiStatus } from "./api-status.ts";
export { applyJsonPatch, applyMergePatch, PatchError, type PatchOperation } from "./json-patch.ts";
export {
  type KubeApiStandIn,
  type KubeApiStandInOptions,
  type StandInFaults,
  startKubeApiStandIn,
} from "./kube-api-standin.ts";
export type { KubeObject } from "./object-store.ts";
export { TOTAL_ANNOTATION_SIZE_LIMIT } from "./object-validation.ts";
export type { PolicyRule, StandInUser } from "./rbac.ts";
export {
  configMaps,
  defaultResourceTypes,
  lockBoards,
  lockShelves,
  namespaces,
  type ResourceType,
} from "./resource-types.ts";
