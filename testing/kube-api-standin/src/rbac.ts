/** A PolicyRule of an RBAC Role, reduced to what the stand-in checks. "*" matches anything. */
export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
  /** Namespaces the rule applies in (a Role's namespace); absent: every namespace and the cluster scope. */
  readonly namespaces?: readonly string[];
}

export interface StandInUser {
  readonly name: string;
  readonly rules: readonly PolicyRule[];
}

export const allowEverything: readonly PolicyRule[] = [
  { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
];

/** Who a request without credentials is (anonymous auth is on by default): allowed nothing here. */
export const anonymousUser: StandInUser = { name: "system:anonymous", rules: [] };

export interface AccessRequest {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly name?: string;
  readonly namespace?: string;
}

const matches = (list: readonly string[] | undefined, value: string | undefined): boolean =>
  list === undefined || list.includes("*") || (value !== undefined && list.includes(value));

export function isAllowed(user: StandInUser, request: AccessRequest): boolean {
  return user.rules.some(
    (rule) =>
      matches(rule.apiGroups, request.group) &&
      matches(rule.resources, request.resource) &&
      matches(rule.verbs, request.verb) &&
      (rule.resourceNames === undefined ||
        (request.name !== undefined && rule.resourceNames.includes(request.name))) &&
      (rule.namespaces === undefined ||
        (request.namespace !== undefined && rule.namespaces.includes(request.namespace))),
  );
}
