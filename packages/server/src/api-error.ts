import type { Context } from "hono";
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
  return c.json({ error: { code, message } }, status);
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
