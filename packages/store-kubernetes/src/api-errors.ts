import { LockgateError } from "@lockgate/core";
import type { ApiResponse } from "./kubernetes-api.ts";
import type { ResolvedObject } from "./object-reference.ts";

/**
 * The RBAC verbs the store needs on its object; the README's Role grants exactly these (a test
 * runs the locker under that Role). `list()` reads the object, so no `list` verb is needed; the
 * watch selects the object by metadata.name, which the API server authorizes by resource name.
 */
export const REQUIRED_VERBS = ["get", "patch", "watch"] as const;

interface Status {
  readonly message?: string;
  readonly reason?: string;
  readonly details?: {
    readonly causes?: readonly {
      readonly message?: string;
      readonly field?: string;
      readonly reason?: string;
    }[];
  };
}

function statusOf(response: ApiResponse): Status {
  return typeof response.body === "object" && response.body !== null
    ? (response.body as Status)
    : { message: String(response.body) };
}

/**
 * A 422 that says only "the server rejected our request" (`details: {}`): a JSON Patch that did
 * not apply. A real API server answers a failed `test`, a missing path and a malformed operation
 * alike, so this alone does not tell a lost race from a bad patch: the caller must re-read the
 * object and decide from what is there. A validation failure (too large, a bad key) is a 422
 * too, but names its causes.
 */
export function isPatchNotApplied(response: ApiResponse): boolean {
  if (response.status !== 422) return false;
  return (statusOf(response).details?.causes ?? []).length === 0;
}

function rbacHint(object: ResolvedObject): string {
  const scope =
    object.namespace === undefined
      ? "a ClusterRole (the object is cluster-scoped)"
      : `a Role in namespace ${JSON.stringify(object.namespace)}`;
  return (
    `Grant ${scope} with apiGroups [${JSON.stringify(object.group)}], resources [${JSON.stringify(object.resource)}], ` +
    `resourceNames [${JSON.stringify(object.name)}] and verbs [${REQUIRED_VERBS.map((v) => JSON.stringify(v)).join(", ")}].`
  );
}

/** 401, whatever call meets it first: the credentials, not the object, are wrong. */
export function credentialsError(response: ApiResponse, doing: string): LockgateError {
  return new LockgateError(
    "store-unavailable",
    `The Kubernetes API server did not accept our credentials while ${doing} (401 Unauthorized). ` +
      `Check the KubeConfig's user: its token, client certificate or exec plugin.${saidBy(response)}`,
    { retryable: false },
  );
}

/** The API server's own words, for the end of a message. */
function saidBy(response: ApiResponse): string {
  const message = statusOf(response).message;
  return message ? ` The API server said: ${message}` : "";
}

/** An answer to a discovery request (finding an object's resource by its kind). */
export function discoveryError(response: ApiResponse, path: string): LockgateError {
  const doing = `reading the discovery document ${path}`;
  if (response.status === 401) return credentialsError(response, doing);
  if (response.status === 403) {
    return new LockgateError(
      "store-unavailable",
      `Not allowed to read the API server's discovery document ${path} (403 Forbidden): the KubeConfig's user ` +
        `is anonymous or lacks the system:discovery role. Give its credentials, or name the object by group, version ` +
        `and resource instead of apiVersion and kind, which needs no discovery.${saidBy(response)}`,
      { retryable: false },
    );
  }
  return new LockgateError(
    "store-unavailable",
    `Could not read the API server's discovery document ${path} (${response.status}).${saidBy(response)}`,
    { retryable: response.status >= 500 || response.status === 429 },
  );
}

/** A clear, coded error for an unexpected answer about `object`. */
export function apiError(
  response: ApiResponse,
  object: ResolvedObject,
  doing: string,
): LockgateError {
  const status = statusOf(response);
  const said = saidBy(response);
  switch (response.status) {
    case 401:
      return credentialsError(response, `trying to ${doing}`);
    case 403:
      return new LockgateError(
        "store-unavailable",
        `Not allowed to ${doing} on ${object.description} (403 Forbidden). ${rbacHint(object)}${said}`,
        { retryable: false },
      );
    case 404:
      return new LockgateError(
        "store-unavailable",
        `${object.description} does not exist (404). Create it first (for a ConfigMap: kubectl create configmap ` +
          `${object.name}${object.namespace === undefined ? "" : ` -n ${object.namespace}`}); lockgate keeps its locks ` +
          `in its annotations and never creates or deletes the object.`,
        { retryable: false },
      );
    case 422: {
      const tooLong = status.details?.causes?.some(
        (c) => c.reason === "FieldValueTooLong" && c.field === "metadata.annotations",
      );
      if (tooLong || /annotations: Too long/.test(status.message ?? "")) {
        return new LockgateError(
          "store-unavailable",
          `The annotations of ${object.description} would exceed Kubernetes' 256 KiB total, so this lock record cannot ` +
            `be written. Spread locks over more objects, use fewer lock names per object, or keep values small.${said}`,
          { retryable: false },
        );
      }
      return new LockgateError(
        "store-unavailable",
        `The API server refused to ${doing} on ${object.description} (422).${said}`,
        {
          retryable: false,
        },
      );
    }
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return new LockgateError(
        "store-unavailable",
        `The API server failed to ${doing} on ${object.description} (${response.status}).${said}`,
      );
    default:
      return new LockgateError(
        "store-unavailable",
        `Unexpected answer ${response.status} while ${doing} on ${object.description}.${said}`,
        { retryable: response.status >= 500 },
      );
  }
}
