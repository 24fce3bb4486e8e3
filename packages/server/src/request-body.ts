import type { IncomingMessage } from "node:http";
import { MAX_LOCK_NAME_LENGTH, validateLockName } from "@lockgate/core";
import type { Context } from "hono";
import { BadRequest } from "./api-error.ts";
import { nodeRequest, requestHeader } from "./node-request.ts";

/**
 * The body as JSON, read whatever the Content-Type says (Go lockgate sends none), refusing
 * bodies over `limit` bytes without buffering more than that.
 */
export async function readJson(c: Context, limit: number): Promise<Record<string, unknown>> {
  const node = nodeRequest(c);
  if (node) return readNodeJson(node.incoming, limit);
  const declared = Number(requestHeader(c, "content-length") ?? "0");
  if (declared > limit) throw tooLarge(limit);
  const { chunks, size } = await readWebBody(c.req.raw.body, limit);
  return parseJsonObject(chunks, size);
}

/** `readJson` for Node's own request: the same checks and errors. */
export async function readNodeJson(
  incoming: IncomingMessage,
  limit: number,
): Promise<Record<string, unknown>> {
  const declared = Number(incoming.headers["content-length"] ?? "0");
  if (declared > limit) throw tooLarge(limit);
  const { chunks, size } = await readNodeBody(incoming, limit);
  return parseJsonObject(chunks, size);
}

function parseJsonObject(chunks: Uint8Array[], size: number): Record<string, unknown> {
  const text = new TextDecoder().decode(concat(chunks, size));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequest("invalid-json", "The body is not JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new BadRequest("invalid-json", "The body must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}

interface Body {
  readonly chunks: Uint8Array[];
  readonly size: number;
}

function tooLarge(limit: number): BadRequest {
  return new BadRequest("payload-too-large", `Body over ${limit} bytes`, 413);
}

async function readWebBody(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Body> {
  const reader = body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw tooLarge(limit);
      }
      chunks.push(value);
    }
  }
  return { chunks, size };
}

/** Node's request body, refused past `limit` (the rest is drained, so the 413 still goes out). */
function readNodeBody(incoming: IncomingMessage, limit: number): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const done = () => {
      incoming.removeListener("data", onData);
      incoming.removeListener("end", onEnd);
      incoming.removeListener("error", onError);
      incoming.removeListener("close", onEnd);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      done();
      incoming.resume();
      reject(tooLarge(limit));
    };
    const onEnd = () => {
      done();
      if (incoming.complete) resolve({ chunks, size });
      else reject(new BadRequest("invalid-json", "The body ended early"));
    };
    const onError = (error: unknown) => {
      done();
      reject(error);
    };
    incoming.on("data", onData);
    incoming.once("end", onEnd);
    incoming.once("close", onEnd);
    incoming.once("error", onError);
  });
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** A lock name from the request path (decoded), or a 400. */
export function pathLockName(name: string): string {
  if (name.length > 1024)
    throw new BadRequest("invalid-argument", "Lock names are at most 1024 characters");
  return name;
}

/** Field readers that answer 400 with the field's name when a value is missing or wrong. */
export const field = {
  name(body: Record<string, unknown>, key = "name"): string {
    const v = body[key];
    if (typeof v !== "string" || v.length === 0 || v.length > MAX_LOCK_NAME_LENGTH) {
      throw new BadRequest(
        "invalid-argument",
        `"${key}" must be a lock name of 1 to ${MAX_LOCK_NAME_LENGTH} characters`,
      );
    }
    try {
      validateLockName(v); // the rules every locker applies (no control characters, ...)
    } catch (error) {
      throw new BadRequest("invalid-argument", `"${key}": ${(error as Error).message}`);
    }
    return v;
  },
  id(body: Record<string, unknown>, key = "id"): string {
    const v = body[key];
    if (typeof v !== "string" || !/^[A-Za-z0-9_-]{1,128}$/.test(v)) {
      throw new BadRequest(
        "invalid-argument",
        `"${key}" must be 1 to 128 letters, digits, "-" or "_"`,
      );
    }
    return v;
  },
  bool(body: Record<string, unknown>, key: string, fallback: boolean): boolean {
    const v = body[key];
    if (v === undefined) return fallback;
    if (typeof v !== "boolean")
      throw new BadRequest("invalid-argument", `"${key}" must be true or false`);
    return v;
  },
  int(
    body: Record<string, unknown>,
    key: string,
    fallback: number,
    min: number,
    max: number,
  ): number {
    const v = body[key];
    if (v === undefined) return fallback;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      throw new BadRequest("invalid-argument", `"${key}" must be an integer from ${min} to ${max}`);
    }
    return v;
  },
  /** A holder's `value`: any JSON, at most `maxLength` characters of it (it is in every copy of the record). */
  value(body: Record<string, unknown>, maxLength: number): unknown {
    const v = body.value;
    if (v !== undefined && JSON.stringify(v).length > maxLength)
      throw new BadRequest(
        "invalid-argument",
        `"value" must be at most ${maxLength} characters of JSON`,
      );
    return v;
  },
  optionalString(body: Record<string, unknown>, key: string, max: number): string | undefined {
    const v = body[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string" || v.length > max) {
      throw new BadRequest(
        "invalid-argument",
        `"${key}" must be a string of at most ${max} characters`,
      );
    }
    return v;
  },
};
