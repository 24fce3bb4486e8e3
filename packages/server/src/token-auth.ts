import type { Context, MiddlewareHandler } from "hono";
import { type AccessToken, mayAccess, type TokenRole, tokenFor } from "./access-tokens.ts";
import { apiError, BadRequest } from "./api-error.ts";
import { requestHeader } from "./node-request.ts";

declare module "hono" {
  interface ContextVariableMap {
    /** The token the request came with; unset when the server runs without auth. */
    accessToken: AccessToken;
  }
}

/** The 401 answer's challenge and message, the same on every route. */
export const UNAUTHORIZED = {
  challenge: 'Bearer realm="lockgate", Basic realm="lockgate"',
  message:
    "A valid token is required: send it as `Authorization: Bearer <token>`, or as Basic auth (Go lockgate clients: http://<token>@host:port)",
} as const;

/**
 * The token an `Authorization` header presents, if it is one of `tokens`: Bearer, or Basic with
 * the token as user or password, so that a Go lockgate client given `http://<token>@host:port`
 * is let in.
 */
export function authenticate(
  tokens: readonly AccessToken[],
  header: string | undefined,
): AccessToken | undefined {
  const presented = tokenOf(header);
  return presented === undefined ? undefined : tokenFor(tokens, presented);
}

/** Lets in only requests that present one of `tokens` (see `authenticate`). */
export function tokenAuth(tokens: readonly AccessToken[]): MiddlewareHandler {
  return async (c, next) => {
    const token = authenticate(tokens, requestHeader(c, "authorization"));
    if (!token) {
      c.header("WWW-Authenticate", UNAUTHORIZED.challenge);
      return apiError(c, 401, "unauthorized", UNAUTHORIZED.message);
    }
    c.set("accessToken", token);
    await next();
  };
}

/** Throws a 403 "forbidden" unless the request's token may do `action` on the lock `name`. */
export function authorize(c: Context, name: string, action: TokenRole): void {
  authorizeToken(c.get("accessToken") as AccessToken | undefined, name, action);
}

/** Throws a 403 "forbidden" unless `token` (none: auth is off) may do `action` on `name`. */
export function authorizeToken(
  token: AccessToken | undefined,
  name: string,
  action: TokenRole,
): void {
  if (mayAccess(token, name, action)) return;
  const t = token as AccessToken;
  const why =
    action === "write" && t.role !== "write"
      ? "it may only read"
      : `it may touch only names starting with ${t.prefixes.map((p) => JSON.stringify(p)).join(", ")}`;
  throw new BadRequest(
    "forbidden",
    `Token ${JSON.stringify(t.name)} may not ${action} the lock ${JSON.stringify(name)}: ${why}`,
    403,
  );
}

/** Whether the request may see the lock `name` (list and watch leave the others out). */
export function maySee(c: Context, name: string): boolean {
  return mayAccess(c.get("accessToken") as AccessToken | undefined, name, "read");
}

function tokenOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme = "", value = ""] = header.split(" ", 2);
  if (scheme.toLowerCase() === "bearer") return value.trim();
  if (scheme.toLowerCase() === "basic") {
    try {
      const [user = "", password = ""] = atob(value.trim()).split(":", 2);
      return password || user;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
