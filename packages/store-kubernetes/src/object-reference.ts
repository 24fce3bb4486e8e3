import { LockgateError } from "@lockgate/core";
import { discoveryError } from "./api-errors.ts";
import type { KubernetesApi } from "./kubernetes-api.ts";

/** The object whose annotations hold the locks, by API version and kind (resolved by discovery). */
export interface ObjectByKind {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** Omit for cluster-scoped objects. */
  readonly namespace?: string;
}

/** The object by group, version and resource (plural), as Go lockgate's GroupVersionResource. */
export interface ObjectByResource {
  /** "" for the core group (ConfigMaps). */
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly name: string;
  /** Omit for cluster-scoped objects. */
  readonly namespace?: string;
}

export type ObjectReference = ObjectByKind | ObjectByResource;

/** Where the object lives in the API: its path, and the collection path its watch uses. */
export interface ResolvedObject {
  readonly path: string;
  readonly collectionPath: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly group: string;
  readonly resource: string;
  /** "ConfigMap \"locks\" in namespace \"ci\"": for error messages. */
  readonly description: string;
}

const DNS_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export async function resolveObject(
  api: KubernetesApi,
  ref: ObjectReference,
): Promise<ResolvedObject> {
  if (!ref || typeof ref.name !== "string" || !DNS_NAME.test(ref.name)) {
    throw new LockgateError(
      "invalid-argument",
      `object.name must be a Kubernetes object name, got ${JSON.stringify(ref?.name)}`,
    );
  }
  if (ref.namespace !== undefined && !DNS_NAME.test(ref.namespace)) {
    throw new LockgateError(
      "invalid-argument",
      `object.namespace must be a namespace name, got ${JSON.stringify(ref.namespace)}`,
    );
  }
  let group: string;
  let version: string;
  let resource: string;
  let what: string;
  if ("resource" in ref) {
    ({ group, version, resource } = ref);
    what = group === "" ? resource : `${resource}.${group}`;
  } else if ("kind" in ref) {
    const slash = ref.apiVersion.indexOf("/");
    group = slash < 0 ? "" : ref.apiVersion.slice(0, slash);
    version = slash < 0 ? ref.apiVersion : ref.apiVersion.slice(slash + 1);
    // Discovery, as kubectl and client-node do: the group version's resource list names the kind.
    const discoveryPath = group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
    const response = await api.request({ method: "GET", path: discoveryPath });
    if (response.status !== 200 && response.status !== 404)
      throw discoveryError(response, discoveryPath);
    const resources =
      (response.body as { resources?: { name: string; kind: string; namespaced: boolean }[] })
        ?.resources ?? [];
    const found =
      response.status === 200
        ? resources.find((r) => r.kind === ref.kind && !r.name.includes("/"))
        : undefined;
    if (!found) {
      throw new LockgateError(
        "invalid-argument",
        `The API server has no kind ${ref.kind} in ${ref.apiVersion}; check object.apiVersion and object.kind (is its CRD installed?)`,
      );
    }
    if (found.namespaced !== (ref.namespace !== undefined)) {
      throw new LockgateError(
        "invalid-argument",
        found.namespaced
          ? `${ref.kind} is namespaced: give object.namespace`
          : `${ref.kind} is cluster-scoped: leave out object.namespace`,
      );
    }
    resource = found.name;
    what = ref.kind;
  } else {
    throw new LockgateError(
      "invalid-argument",
      "object needs either apiVersion and kind, or group, version and resource",
    );
  }
  const base = group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
  const collectionPath =
    ref.namespace === undefined
      ? `${base}/${resource}`
      : `${base}/namespaces/${encodeURIComponent(ref.namespace)}/${resource}`;
  return {
    path: `${collectionPath}/${encodeURIComponent(ref.name)}`,
    collectionPath,
    name: ref.name,
    namespace: ref.namespace,
    group,
    resource,
    description: `${what} ${JSON.stringify(ref.name)}${ref.namespace === undefined ? "" : ` in namespace ${JSON.stringify(ref.namespace)}`}`,
  };
}
