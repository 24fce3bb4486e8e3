import { isLockgateError } from "@lockgate/core";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Codes of the server's own 4xx/5xx answers: lockgate's error codes plus the HTTP ones. */
export type ApiErrorCode =
  | "invalid-argument"
  | "invalid-json"
  | "payload-too-large"
  | "unauthorized"
  /** A valid token, outside its name prefixes or its role. */
  | "forbidden"
  | "not-found"
  | "not-held"
  | "store-unavailable"
  | "corrupt-record"
  | "shutting-down"
  | "internal";

/** Every error answer has one shape: `{ "error": { "code", "message" } }`. */
export function apiError(
  c: Context,
  status: ContentfulStatusCode,
  code: ApiErrorCode,
  message: string,
): Response {
  return c.json(errorBody(code, message), status);
}

/** The body of every error answer. */
export function errorBody(
  code: ApiErrorCode,
  message: string,
): { error: { code: ApiErrorCode; message: string } } {
  return { error: { code, message } };
}

/** A bad request found while reading it; answered as 4xx by the app's error handler. */
export class BadRequest extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string, status: ContentfulStatusCode = 400) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** An error answer before it is sent: the status and the `{ error }` body's two fields. */
export interface ErrorAnswer {
  readonly status: ContentfulStatusCode;
  readonly code: ApiErrorCode;
  readonly message: string;
}

/**
 * What a request that failed with `error` is answered. Anything not known to be the client's
 * fault is "internal", with no details: those stay in the server.
 */
export function errorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof BadRequest)
    return { status: error.status, code: error.code, message: error.message };
  if (error instanceof HTTPException)
    return { status: error.status as 400, code: "invalid-argument", message: error.message };
  if (isLockgateError(error)) {
    switch (error.code) {
      case "invalid-argument":
        return { status: 400, code: "invalid-argument", message: error.message };
      case "not-held":
        return { status: 409, code: "not-held", message: error.message };
      case "store-unavailable":
        return { status: 503, code: "store-unavailable", message: error.message };
      case "corrupt-record":
        return { status: 500, code: "corrupt-record", message: error.message };
      default:
        break;
    }
  }
  return { status: 500, code: "internal", message: "Internal error" };
}
