export {
  LOCK_ANNOTATION_PREFIX,
  lockAnnotationKey,
  lockNameHash,
  META_ANNOTATION_PREFIX,
} from "./annotation-keys.ts";
export { REQUIRED_VERBS } from "./api-errors.ts";
export {
  type GoLockgateCodecOptions,
  goLockgateCodec,
  isFreeGoLockgateRecord,
} from "./go-lockgate-codec.ts";
export { KubernetesStore, type KubernetesStoreOptions } from "./kubernetes-store.ts";
export type {
  ObjectByKind,
  ObjectByResource,
  ObjectReference,
  ResolvedObject,
} from "./object-reference.ts";
