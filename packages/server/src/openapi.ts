/** The server's API, as OpenAPI 3.1, served at /openapi.json. */
export function openApiDocument(version: string): Record<string, unknown> {
  const json = (schema: Record<string, unknown>) => ({
    content: { "application/json": { schema } },
  });
  const error = { description: "Error", ...json({ $ref: "#/components/schemas/Error" }) };
  const lease = {
    type: "object",
    required: ["name", "id"],
    properties: {
      name: { type: "string", minLength: 1, maxLength: 1024 },
      id: { type: "string", pattern: "^[A-Za-z0-9_-]{1,128}$" },
      shared: { type: "boolean" },
      token: { type: "integer" },
      ttl: { type: "integer", minimum: 100 },
    },
  };
  const post = (summary: string, body: Record<string, unknown>, ok: Record<string, unknown>) => ({
    post: {
      summary,
      requestBody: { required: true, ...json(body) },
      responses: { ...ok, 400: error, 401: error, 403: error, 503: error },
    },
  });
  return {
    openapi: "3.1.0",
    info: { title: "lockgate lock server", version },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        Error: {
          type: "object",
          properties: {
            error: {
              type: "object",
              properties: { code: { type: "string" }, message: { type: "string" } },
            },
          },
        },
        Lease: lease,
        LockInfo: {
          type: "object",
          properties: {
            name: { type: "string" },
            lastFencingToken: { type: "integer" },
            holders: { type: "array", items: { type: "object" } },
            waiters: { type: "array", items: { type: "object" } },
          },
        },
      },
    },
    security: [{ bearer: [] }],
    paths: {
      "/v1/acquire": post(
        "Acquire, waiting on the server up to waitMs (long-poll); call again with the same id to keep the queue place",
        {
          type: "object",
          required: ["name", "id"],
          properties: {
            ...lease.properties,
            nonBlocking: { type: "boolean" },
            limit: {
              type: "integer",
              minimum: 1,
              maximum: 10000,
              description:
                "A counting semaphore: at most this many holders at once. Every party of a name must pass the same limit; not with shared.",
            },
            waitMs: { type: "integer", minimum: 0 },
            acquirerId: { type: "string", maxLength: 256 },
            value: {},
          },
        },
        {
          200: {
            description:
              '{"status":"granted","lease":…,"waitedMs":…} | {"status":"waiting","position":…} | {"status":"busy"}',
            ...json({ type: "object" }),
          },
        },
      ),
      "/v1/renew": post(
        "Renew a lease",
        { $ref: "#/components/schemas/Lease" },
        { 204: { description: "Renewed" }, 409: error },
      ),
      "/v1/value": post(
        "Replace a holder's value (an election's proclaimed value), renewing its lease",
        {
          allOf: [{ $ref: "#/components/schemas/Lease" }],
          properties: { value: { description: "Any JSON; omit to clear" } },
        },
        { 204: { description: "Replaced" }, 409: error },
      ),
      "/v1/release": post(
        "Release a lease (idempotent)",
        { $ref: "#/components/schemas/Lease" },
        { 204: { description: "Released" } },
      ),
      "/v1/abandon": post(
        "Drop an acquire request's queue place and any grant it got",
        { $ref: "#/components/schemas/Lease" },
        { 204: { description: "Done" } },
      ),
      "/v1/locks": {
        get: {
          summary: "Locks with holders or waiters",
          parameters: [{ name: "prefix", in: "query", schema: { type: "string" } }],
          responses: { 200: { description: "Locks", ...json({ type: "object" }) } },
        },
      },
      "/v1/locks/{name}": {
        get: {
          summary: "One lock's holders and waiters",
          parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }],
          responses: {
            200: { description: "Lock", ...json({ $ref: "#/components/schemas/LockInfo" }) },
          },
        },
      },
      "/v1/locks/{name}/watch": {
        get: {
          summary: "Server-sent events: the lock's state now and after every change",
          parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }],
          responses: { 200: { description: "text/event-stream of `state` events" } },
        },
      },
      "/v1/status": {
        get: {
          summary:
            "The status page's data: the server (store, version, uptime) and every lock the token may read",
          parameters: [{ name: "prefix", in: "query", schema: { type: "string" } }],
          responses: { 200: { description: "Server and locks", ...json({ type: "object" }) } },
        },
      },
      "/v1/status/stream": {
        get: {
          summary: "Server-sent events for the status page: `locks` events of rendered HTML",
          parameters: [{ name: "prefix", in: "query", schema: { type: "string" } }],
          responses: { 200: { description: "text/event-stream of `locks` events" } },
        },
      },
      "/": {
        get: { summary: "The live status page (HTML); POST a form with the token for a snapshot" },
      },
      "/acquire": {
        post: {
          summary:
            "Go lockgate protocol: acquire without waiting (bearer, or the token as Basic user)",
        },
      },
      "/renew-lease": { post: { summary: "Go lockgate protocol: renew" } },
      "/release": { post: { summary: "Go lockgate protocol: release" } },
      "/healthz": { get: { summary: "Liveness", security: [] } },
      "/readyz": { get: { summary: "Readiness: the store answers", security: [] } },
      "/metrics": { get: { summary: "Prometheus metrics" } },
    },
  };
}
