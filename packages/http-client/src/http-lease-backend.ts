import {
  type AcquireOutcome,
  type AcquireRequest,
  type AcquireStepOptions,
  type Clock,
  formatMs,
  isLockgateError,
  type JsonValue,
  type Lease,
  type LeaseBackend,
  LockgateError,
  type LockgateErrorCode,
  type LockInfo,
  linkSignals,
  systemClock,
} from "@lockgate/core";
import {
  fetchTransport,
  type HttpAnswer,
  type HttpTransport,
  nodeTransport,
} from "./http-transport.ts";

export interface HttpLeaseBackendOptions {
  /** Bearer token of the lock server. Never logged. */
  token?: string;
  /**
   * Defaults to the global fetch; on Node, requests go through node:http with a kept-alive
   * agent instead (faster), unless a fetch is given here.
   */
  fetch?: typeof fetch;
  /** Time allowed for one request on top of its server-side wait, in ms. Default 10 000. */
  requestTimeout?: number;
  clock?: Clock;
}

const PASSED_THROUGH: ReadonlySet<string> = new Set<LockgateErrorCode>([
  "invalid-argument",
  "not-held",
  "store-unavailable",
  "corrupt-record",
]);

/**
 * The lease backend of a lockgate lock server, over its /v1 API and fetch alone. Waiting
 * happens on the server (long-poll), so a grant is known the moment it is made; renewal,
 * lost-lease detection and timeouts stay with the Locker on this side.
 */
export class HttpLeaseBackend implements LeaseBackend {
  readonly url: string;
  readonly #token: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #transport: HttpTransport;
  readonly #requestTimeout: number;
  readonly #clock: Clock;

  constructor(url: string, options: HttpLeaseBackendOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new LockgateError(
        "invalid-argument",
        `The lock server URL ${JSON.stringify(url)} is not a URL`,
      );
    }
    this.url = parsed.href.replace(/\/$/, "");
    this.#token = options.token;
    this.#fetch = options.fetch ?? ((...args) => globalThis.fetch(...args));
    this.#transport =
      (options.fetch === undefined ? nodeTransport() : undefined) ?? fetchTransport(this.#fetch);
    this.#requestTimeout = options.requestTimeout ?? 10_000;
    this.#clock = options.clock ?? systemClock;
  }

  async acquire(request: AcquireRequest, options: AcquireStepOptions): Promise<AcquireOutcome> {
    const sentAt = this.#clock.now();
    const body = (await this.#post(
      "/v1/acquire",
      { ...request, waitMs: Math.max(0, Math.floor(options.waitMs)) },
      options.waitMs,
      options.signal,
    )) as { status: string; lease?: Lease; waitedMs?: number; position?: number };
    if (body.status === "granted" && body.lease) {
      // The server sent the grant `waitedMs` after receiving our request, which was after we
      // sent it: our send time plus that is never later than the grant.
      return { status: "granted", lease: body.lease, sentAt: sentAt + (body.waitedMs ?? 0) };
    }
    if (body.status === "busy") return { status: "busy" };
    return { status: "waiting", position: body.position ?? -1 };
  }

  async renew(lease: Lease, signal?: AbortSignal): Promise<void> {
    await this.#post("/v1/renew", leaseBody(lease), 0, signal);
  }

  async setValue(lease: Lease, value: JsonValue | undefined): Promise<void> {
    await this.#post(
      "/v1/value",
      { ...leaseBody(lease), ...(value === undefined ? {} : { value }) },
      0,
    );
  }

  async release(lease: Lease): Promise<void> {
    await this.#post("/v1/release", leaseBody(lease), 0);
  }

  async abandon(request: AcquireRequest): Promise<void> {
    await this.#post(
      "/v1/abandon",
      { name: request.name, id: request.id, shared: request.shared, ttl: request.ttl },
      0,
    );
  }

  async inspect(name: string): Promise<LockInfo> {
    return (await this.#request(
      "GET",
      `/v1/locks/${encodeURIComponent(name)}`,
      undefined,
      0,
    )) as LockInfo;
  }

  async list(prefix: string): Promise<LockInfo[]> {
    const body = (await this.#request(
      "GET",
      `/v1/locks?prefix=${encodeURIComponent(prefix)}`,
      undefined,
      0,
    )) as {
      locks: LockInfo[];
    };
    return body.locks;
  }

  async *watch(name: string, signal: AbortSignal): AsyncIterable<LockInfo> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.url}/v1/locks/${encodeURIComponent(name)}/watch`, {
        headers: this.#headers(),
        signal,
      });
    } catch (error) {
      if (signal.aborted) return;
      throw unreachable(error);
    }
    if (!response.ok || !response.body)
      throw errorOf({ status: response.status, text: await response.text().catch(() => "") });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    try {
      for (;;) {
        const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (done) return;
        buffer += value;
        let end = buffer.indexOf("\n\n");
        while (end !== -1) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event
            .split("\n")
            .filter((line) => line.startsWith("data:"))
            .map((line) => line.slice(5).trimStart())
            .join("\n");
          if (data) yield JSON.parse(data) as LockInfo;
          end = buffer.indexOf("\n\n");
        }
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
  }

  async close(): Promise<void> {
    this.#transport.close();
  }

  #post(path: string, body: unknown, waitMs: number, signal?: AbortSignal): Promise<unknown> {
    return this.#request("POST", path, body, waitMs, signal);
  }

  async #request(
    method: string,
    path: string,
    body: unknown,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const timeout = AbortSignal.timeout(Math.ceil(waitMs + this.#requestTimeout));
    // Not AbortSignal.any: a caller's long-lived signal would keep an entry per request.
    const { signal: combined, unlink } = linkSignals(signal, timeout);
    try {
      return await this.#send(method, path, body, waitMs, signal, timeout, combined);
    } finally {
      unlink();
    }
  }

  async #send(
    method: string,
    path: string,
    body: unknown,
    waitMs: number,
    signal: AbortSignal | undefined,
    timeout: AbortSignal,
    combined: AbortSignal,
  ): Promise<unknown> {
    let answer: HttpAnswer;
    try {
      answer = await this.#transport.send(`${this.url}${path}`, {
        method,
        headers:
          body === undefined
            ? this.#headers()
            : { ...this.#headers(), "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: combined,
      });
    } catch (error) {
      if (signal?.aborted) {
        throw isLockgateError(signal.reason)
          ? signal.reason
          : new LockgateError("aborted", `${method} ${path} was aborted`, { cause: signal.reason });
      }
      if (timeout.aborted) {
        throw new LockgateError(
          "store-unavailable",
          `The lock server did not answer ${method} ${path} within ${formatMs(waitMs + this.#requestTimeout)}`,
          { cause: error },
        );
      }
      throw unreachable(error);
    }
    if (answer.status < 200 || answer.status > 299) throw errorOf(answer);
    if (answer.status === 204) return undefined;
    try {
      return JSON.parse(answer.text);
    } catch (error) {
      throw new LockgateError(
        "store-unavailable",
        `The lock server sent an unreadable answer to ${path}`,
        { cause: error },
      );
    }
  }

  #headers(): Record<string, string> {
    return this.#token ? { authorization: `Bearer ${this.#token}` } : {};
  }
}

function leaseBody(lease: Lease) {
  return {
    name: lease.name,
    id: lease.id,
    shared: lease.shared,
    token: lease.token,
    ttl: lease.ttl,
  };
}

function unreachable(cause: unknown): LockgateError {
  return new LockgateError(
    "store-unavailable",
    `The lock server could not be reached: ${String(cause)}`,
    { cause },
  );
}

function errorOf(answer: HttpAnswer): LockgateError {
  let code = "";
  let message = `HTTP ${answer.status}`;
  try {
    const body = JSON.parse(answer.text) as { error?: { code?: string; message?: string } };
    code = body.error?.code ?? "";
    message = body.error?.message ?? message;
  } catch {
    // Not our JSON error: a proxy's page, say. The status says enough.
  }
  if (answer.status === 401) {
    return new LockgateError("store-unavailable", "The lock server refused the token (401)", {
      retryable: false,
    });
  }
  if (PASSED_THROUGH.has(code)) return new LockgateError(code as LockgateErrorCode, message);
  if (answer.status >= 500)
    return new LockgateError("store-unavailable", `The lock server failed: ${message}`);
  // A proxy or the server shedding load: worth trying again, not a bad request.
  if (answer.status === 408 || answer.status === 429)
    return new LockgateError(
      "store-unavailable",
      `The lock server is busy (${answer.status}): ${message}`,
    );
  return new LockgateError("invalid-argument", `The lock server refused the request: ${message}`);
}
