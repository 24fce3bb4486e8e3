/** An API resource the stand-in serves, as discovery (`/api/v1`, `/apis/<group>/<version>`) lists it. */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  /** Plural, lower case: the path segment. */
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** Built-in types accept strategic merge patches; custom resources answer 415 (as apiserver does). */
  readonly builtIn: boolean;
}

export const configMaps: ResourceType = {
  group: "",
  version: "v1",
  resource: "configmaps",
  kind: "ConfigMap",
  namespaced: true,
  builtIn: true,
};

export const namespaces: ResourceType = {
  group: "",
  version: "v1",
  resource: "namespaces",
  kind: "Namespace",
  namespaced: false,
  builtIn: true,
};

/** A custom resource, as if its CustomResourceDefinition were installed; cluster-scoped. */
export const lockBoards: ResourceType = {
  group: "lockgate.dev",
  version: "v1",
  resource: "lockboards",
  kind: "LockBoard",
  namespaced: false,
  builtIn: false,
};

/** A namespaced custom resource. */
export const lockShelves: ResourceType = {
  group: "lockgate.dev",
  version: "v1",
  resource: "lockshelves",
  kind: "LockShelf",
  namespaced: true,
  builtIn: false,
};

export const defaultResourceTypes: readonly ResourceType[] = [
  configMaps,
  namespaces,
  lockBoards,
  lockShelves,
];

export function apiVersionOf(type: ResourceType): string {
  return type.group === "" ? type.version : `${type.group}/${type.version}`;
}
