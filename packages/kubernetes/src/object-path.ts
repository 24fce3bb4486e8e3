import { LockgateError } from "@lockgate/core";
import type { ObjectByKind, ObjectByResource } from "@lockgate/store-kubernetes";

const DNS_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * The object an operator names in one string, as a lock server's `--kube-object`:
 * `[NAMESPACE/]KIND/NAME`. KIND is a resource as kubectl takes it (`configmaps`,
 * `lockboards.v1.locks.example.com`) or a kind (`ConfigMap`, `LockBoard.v1.locks.example.com`).
 * Without a namespace the object is in `defaultNamespace`; a leading `/` (`/KIND/NAME`) names a
 * cluster-scoped one.
 */
export function parseObjectPath(
  text: string,
  defaultNamespace: string,
): ObjectByKind | ObjectByResource {
  const parts = text.split("/");
  const bad = (why: string) =>
    new LockgateError(
      "invalid-argument",
      `${JSON.stringify(text)} ${why}: expected [NAMESPACE/]KIND/NAME, such as ci/configmaps/locks`,
    );
  if (parts.length < 2 || parts.length > 3) throw bad("has the wrong number of parts");
  const [namespace, kindText, name] =
    parts.length === 3 ? (parts as [string, string, string]) : [defaultNamespace, ...parts];
  if (!name || !DNS_NAME.test(name)) throw bad(`names no valid object (${JSON.stringify(name)})`);
  if (namespace !== "" && !DNS_NAME.test(namespace as string))
    throw bad(`names no valid namespace (${JSON.stringify(namespace)})`);
  const where = namespace === "" ? {} : { namespace: namespace as string };
  const [head, version, ...groupParts] = (kindText as string).split(".");
  const group = groupParts.join(".");
  if (!head || (version !== undefined && group === "")) {
    throw bad(`names no kind (${JSON.stringify(kindText)}: KIND or KIND.VERSION.GROUP)`);
  }
  if (/^[A-Z][A-Za-z0-9]*$/.test(head)) {
    const apiVersion = version === undefined ? "v1" : `${group}/${version}`;
    return { apiVersion, kind: head, name, ...where };
  }
  if (!/^[a-z0-9-]+$/.test(head)) throw bad(`names no resource (${JSON.stringify(head)})`);
  return { group, version: version ?? "v1", resource: head, name, ...where };
}
