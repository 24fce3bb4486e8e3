/** One HTTP exchange, as the client needs it: the status and the whole body as text. */
export interface HttpAnswer {
  readonly status: number;
  readonly text: string;
}

export interface HttpExchange {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly signal: AbortSignal;
}

/** Sends one request; rejects as fetch does when the server cannot be reached or on abort. */
export interface HttpTransport {
  send(url: string, exchange: HttpExchange): Promise<HttpAnswer>;
  close(): void;
}

/** Over fetch: every runtime and browser. */
export function fetchTransport(fetchImpl: typeof fetch): HttpTransport {
  return {
    async send(url, { method, headers, body, signal }) {
      const response = await fetchImpl(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal,
      });
      return { status: response.status, text: await response.text() };
    },
    close() {},
  };
}

type NodeHttp = typeof import("node:http");

/**
 * Over node:http with a kept-alive agent, on Node only: a request there costs about two thirds
 * of what fetch (undici and web streams) costs, and a handoff is two requests. Undefined
 * elsewhere: Bun's and Deno's own fetch are faster than their node:http, and browsers have none.
 * Looked up with process.getBuiltinModule, so that bundlers for browsers see no import.
 */
export function nodeTransport(): HttpTransport | undefined {
  const g = globalThis as {
    Bun?: unknown;
    Deno?: unknown;
    process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown };
  };
  if (g.Bun !== undefined || g.Deno !== undefined || !g.process?.versions?.node) return undefined;
  const load = g.process.getBuiltinModule;
  if (typeof load !== "function") return undefined;
  const http = load("node:http") as NodeHttp;
  const https = load("node:https") as typeof import("node:https");
  const agents = {
    "http:": new http.Agent({ keepAlive: true }),
    "https:": new https.Agent({ keepAlive: true }),
  };
  return {
    async send(url, exchange) {
      try {
        return await sendOnce(url, exchange);
      } catch (error) {
        // A kept-alive connection the server closed as we reused it: once more on a new one
        // (every /v1 call may be repeated: acquire, renew and release are by lease id).
        if ((error as { reusedSocket?: boolean }).reusedSocket && !exchange.signal.aborted)
          return sendOnce(url, exchange);
        throw error;
      }
    },
    close() {
      agents["http:"].destroy();
      agents["https:"].destroy();
    },
  };

  function sendOnce(url: string, { method, headers, body, signal }: HttpExchange) {
    const secure = url.startsWith("https:");
    const request = secure ? https.request : http.request;
    return new Promise<HttpAnswer>((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          agent: secure ? agents["https:"] : agents["http:"],
          headers:
            body === undefined
              ? headers
              : { ...headers, "content-length": String(Buffer.byteLength(body)) },
          signal,
        },
        (res) => {
          res.setEncoding("utf8");
          let text = "";
          res.on("data", (chunk: string) => {
            text += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
          res.on("error", reject);
        },
      );
      req.on("error", (error: Error & { code?: string; reusedSocket?: boolean }) => {
        if (req.reusedSocket && (error.code === "ECONNRESET" || error.code === "EPIPE"))
          error.reusedSocket = true;
        reject(error);
      });
      req.end(body);
    });
  }
}
