import type { MiddlewareHandler } from "hono";
import { apiError } from "./api-error.ts";

/**
 * Accepts `Authorization: Bearer <token>`, or Basic with the token as user or password, so that
 * a Go lockgate client given `http://<token>@host:port` is let in. Compares in constant time.
 */
export function bearerAuth(tokens: readonly string[]): MiddlewareHandler {
  const encoded = tokens.map((t) => new TextEncoder().encode(t));
  return async (c, next) => {
    const presented = tokenOf(c.req.header("authorization"));
    if (
      presented === undefined ||
      !encoded.some((t) => equalTime(t, new TextEncoder().encode(presented)))
    ) {
      c.header("WWW-Authenticate", 'Bearer realm="lockgate", Basic realm="lockgate"');
      return apiError(
        c,
        401,
        "unauthorized",
        "A valid token is required: send it as `Authorization: Bearer <token>`, or as Basic auth (Go lockgate clients: http://<token>@host:port)",
      );
    }
    await next();
  };
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

function equalTime(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
