/**
 * `Status` bodies as kube-apiserver writes them (k8s.io/apimachinery/pkg/api/errors: NewNotFound,
 * NewConflict, NewForbidden, NewInvalid, NewResourceExpired, NewGenericServerResponse). Clients
 * read `code`, `reason` and `message`; client-node surfaces the body as ApiException.body.
 */
export interface ApiStatus {
  readonly kind: "Status";
  readonly apiVersion: "v1";
  readonly metadata: Record<string, never>;
  readonly status: "Failure";
  readonly message: string;
  readonly reason: string;
  readonly details?: {
    readonly name?: string;
    readonly group?: string;
    readonly kind?: string;
    readonly causes?: readonly {
      reason?: string;
      message: string;
      field?: string;
      type?: string;
    }[];
  };
  readonly code: number;
}

/** What a status is about: "configmaps" in group "", or "lockboards" in "lockgate.dev". */
export interface Subject {
  readonly group: string;
  readonly resource: string;
  readonly name?: string;
}

function status(
  code: number,
  reason: string,
  message: string,
  details?: ApiStatus["details"],
): ApiStatus {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

function qualified(s: Subject): string {
  return s.group === "" ? s.resource : `${s.resource}.${s.group}`;
}

function detailsOf(s: Subject): ApiStatus["details"] {
  return {
    ...(s.name === undefined ? {} : { name: s.name }),
    ...(s.group === "" ? {} : { group: s.group }),
    kind: s.resource,
  };
}

export function notFound(s: Subject): ApiStatus {
  return status(404, "NotFound", `${qualified(s)} "${s.name}" not found`, detailsOf(s));
}

export function alreadyExists(s: Subject): ApiStatus {
  return status(409, "AlreadyExists", `${qualified(s)} "${s.name}" already exists`, detailsOf(s));
}

/** The optimistic-concurrency failure of an update or patch with a stale resourceVersion. */
export function conflict(s: Subject): ApiStatus {
  return status(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualified(s)} "${s.name}": the object has been modified; ` +
      "please apply your changes to the latest version and try again",
    detailsOf(s),
  );
}

export function forbidden(
  s: Subject,
  user: string,
  verb: string,
  namespace: string | undefined,
): ApiStatus {
  const scope =
    namespace === undefined ? "at the cluster scope" : `in the namespace "${namespace}"`;
  const what = s.name === undefined ? qualified(s) : `${qualified(s)} "${s.name}"`;
  return status(
    403,
    "Forbidden",
    `${what} is forbidden: User "${user}" cannot ${verb} resource "${s.resource}" in API group "${s.group}" ${scope}`,
    detailsOf(s),
  );
}

export function unauthorized(): ApiStatus {
  return status(401, "Unauthorized", "Unauthorized");
}

/** Validation failure (NewInvalid): `<Kind> "<name>" is invalid: <field>: <detail>`. */
export function invalid(
  kind: string,
  s: Subject,
  causes: readonly { field: string; reason: string; message: string }[],
): ApiStatus {
  const text = causes.map((c) => `${c.field}: ${c.message}`).join(", ");
  return status(422, "Invalid", `${kind} "${s.name}" is invalid: ${text}`, {
    ...detailsOf(s),
    kind,
    causes,
  });
}

/**
 * A JSON Patch that does not apply (a failed `test`, a missing path): apiserver's patch handler
 * answers NewGenericServerResponse(422, ...) carrying json-patch's own error text as the cause.
 */
export function patchNotApplied(serverMessage: string): ApiStatus {
  return status(422, "Invalid", "the server rejected our request due to an error in our request", {
    causes: [{ type: "UnexpectedServerResponse", message: serverMessage }],
  });
}

export function badRequest(message: string): ApiStatus {
  return status(400, "BadRequest", message);
}

export function unsupportedMediaType(contentType: string, accepted: readonly string[]): ApiStatus {
  return status(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
    { causes: [{ message: contentType }] },
  );
}

export function methodNotSupported(s: Subject, verb: string): ApiStatus {
  return status(
    405,
    "MethodNotAllowed",
    `${verb} is not supported on resources of kind "${qualified(s)}"`,
  );
}

/** The watch error for a resourceVersion older than the server's history (etcd compaction). */
export function expired(requested: number, oldest: number): ApiStatus {
  return status(410, "Expired", `too old resource version: ${requested} (${oldest})`);
}
