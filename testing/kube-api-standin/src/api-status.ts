/**
 * `Status` bodies as kube-apiserver writes them (k8s.io/apimachinery/pkg/api/errors: NewNotFound,
 * NewConflict, NewForbidden, NewInvalid, NewResourceExpired, NewGenericServerResponse). Clients
 * read `code`, `reason` and `message`; client-node surfaces the body as ApiException.body.
 *
 * Where each answer comes from: "recorded" means compared field by field with a real
 * kube-apiserver v1.24 answer (fixtures/recorded-answers.json, replayed by
 * recorded-answers.test.ts); "source" means read from apimachinery's constructor and not
 * recorded. Never add detail the real server does not send: the store must cope without it.
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

/** Recorded (get and patch of an absent ConfigMap). */
export function notFound(s: Subject): ApiStatus {
  return status(404, "NotFound", `${qualified(s)} "${s.name}" not found`, detailsOf(s));
}

/** Recorded (create of an existing ConfigMap). */
export function alreadyExists(s: Subject): ApiStatus {
  return status(409, "AlreadyExists", `${qualified(s)} "${s.name}" already exists`, detailsOf(s));
}

/** The optimistic-concurrency failure of an update with a stale resourceVersion. Recorded (PUT). */
export function conflict(s: Subject): ApiStatus {
  return status(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualified(s)} "${s.name}": the object has been modified; ` +
      "please apply your changes to the latest version and try again",
    detailsOf(s),
  );
}

/** Recorded (system:anonymous reading a ConfigMap); other users' texts follow the same source line. */
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

/**
 * Recorded: an unknown bearer token gets 401 with no `details` at all. A request with no token is
 * not a 401: it is user system:anonymous, refused with 403 (see forbidden).
 */
export function unauthorized(): ApiStatus {
  return status(401, "Unauthorized", "Unauthorized");
}

/**
 * Validation failure (NewInvalid). Recorded: `details` has name, kind (the Kind, not the
 * resource) and one cause per field error, in the order reason, message, field; the message
 * names each distinct error once (field.ErrorList.ToAggregate drops repeats, and brackets a list
 * of more than one). `causes` arrive here already repeated as the server's validation passes
 * repeat them (see object-validation.ts).
 */
export function invalid(
  kind: string,
  s: Subject,
  causes: readonly { field: string; reason: string; message: string }[],
): ApiStatus {
  const distinct = [...new Set(causes.map((c) => `${c.field}: ${c.message}`))];
  const text = distinct.length === 1 ? distinct[0] : `[${distinct.join(", ")}]`;
  return status(422, "Invalid", `${kind} "${s.name}" is invalid: ${text}`, {
    ...(s.name === undefined ? {} : { name: s.name }),
    ...(s.group === "" ? {} : { group: s.group }),
    kind,
    causes: causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field })),
  });
}

/**
 * A JSON Patch that does not apply: a failed `test` (value differs or path absent), `remove` or
 * `replace` of an absent path, `add` under an absent map, an unknown op. Recorded, every one
 * alike: 422 Invalid, the generic message and `details: {}`. apiserver passes json-patch's
 * own error text to NewGenericServerResponse, which drops it; nothing in the answer tells a
 * lost race from a malformed patch, so the stand-in must not either.
 */
export function patchNotApplied(): ApiStatus {
  return status(
    422,
    "Invalid",
    "the server rejected our request due to an error in our request",
    {},
  );
}

/** Source (NewGenericServerResponse 404 for a path no API serves): `details: {}`. Not recorded. */
export function pathNotFound(): ApiStatus {
  return status(404, "NotFound", "the server could not find the requested resource", {});
}

/** Source (NewBadRequest): 400 with the text and no details. */
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

/**
 * The watch error for a resourceVersion older than the server's history (etcd compaction).
 * Recorded: an HTTP 200 watch whose one event is an ERROR with this Status (no details).
 */
export function expired(requested: number, oldest: number): ApiStatus {
  return status(410, "Expired", `too old resource version: ${requested} (${oldest})`);
}
