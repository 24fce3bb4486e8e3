import { isLockgateError, type LockInfo, ManualClock } from "@lockgate/core";
import { describe, expect, it } from "vitest";
import { HttpLeaseBackend } from "./http-lease-backend.ts";
import { HttpLocker } from "./http-locker.ts";

// What the client does on its own, against a fake fetch: the requests it builds, how it reads
// answers and failures, its timeouts. The cases that need a real server are in packages/server.

interface Sent {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
  readonly signal: AbortSignal | undefined;
}

type Answer = Response | Error | ((sent: Sent) => Promise<Response>);

/** A fetch that records each request and answers from a script, in order. */
function fakeFetch(...answers: Answer[]): typeof fetch & { sent: Sent[] } {
  const sent: Sent[] = [];
  const fake = async (input: string | URL | Request, init: RequestInit = {}) => {
    const request: Sent = {
      url: String(input),
      method: init.method ?? "GET",
      headers: { ...(init.headers as Record<string, string>) },
      body: init.body === undefined ? undefined : JSON.parse(String(init.body)),
      signal: init.signal ?? undefined,
    };
    sent.push(request);
    const answer = answers.shift();
    if (answer === undefined) throw new Error("no answer scripted");
    if (answer instanceof Error) throw answer;
    if (typeof answer === "function") return answer(request);
    return answer;
  };
  return Object.assign(fake as typeof fetch, { sent });
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const errorBody = (status: number, code: string, message: string) =>
  json({ error: { code, message } }, status);

const request = {
  name: "deploy/prod",
  id: "req-1",
  shared: false,
  ttl: 10_000,
  nonBlocking: false,
  value: { job: "42" },
};

describe("HttpLeaseBackend requests", () => {
  it("acquire posts the request with its wait, the token as Bearer, and reads a grant", async () => {
    const clock = new ManualClock({ start: 1_000 });
    const lease = { name: "deploy/prod", id: "req-1", shared: false, token: 7, ttl: 10_000 };
    const fetch = fakeFetch(json({ status: "granted", lease, waitedMs: 250 }));
    const backend = new HttpLeaseBackend("http://127.0.0.1:55589/", {
      token: "s3cret-token-value",
      fetch,
      clock,
    });
    expect(backend.url).toBe("http://127.0.0.1:55589");
    const outcome = await backend.acquire(request, { waitMs: 2_500.7 });
    expect(fetch.sent[0]).toMatchObject({
      url: "http://127.0.0.1:55589/v1/acquire",
      method: "POST",
      headers: { authorization: "Bearer s3cret-token-value", "content-type": "application/json" },
      body: { ...request, waitMs: 2_500 },
    });
    // The lease counts from our send time plus the server's wait: never after the real grant.
    expect(outcome).toEqual({ status: "granted", lease, sentAt: 1_250 });
  });

  it("reads busy and waiting (with the queue position), and sends no token when none is set", async () => {
    const fetch = fakeFetch(json({ status: "busy" }), json({ status: "waiting", position: 3 }));
    const backend = new HttpLeaseBackend("http://127.0.0.1:1", { fetch });
    expect(await backend.acquire({ ...request, nonBlocking: true }, { waitMs: 0 })).toEqual({
      status: "busy",
    });
    expect(await backend.acquire(request, { waitMs: 100 })).toEqual({
      status: "waiting",
      position: 3,
    });
    expect(fetch.sent[0]?.headers.authorization).toBeUndefined();
  });

  it("renew, release and abandon post the lease fields only; 204 is fine", async () => {
    const fetch = fakeFetch(
      new Response(null, { status: 204 }),
      new Response(null, { status: 204 }),
      new Response(null, { status: 204 }),
    );
    const backend = new HttpLeaseBackend("http://127.0.0.1:1", { fetch });
    const lease = { name: "a", id: "l1", shared: true, token: 3, ttl: 900 };
    await backend.renew(lease);
    await backend.release(lease);
    await backend.abandon(request);
    expect(fetch.sent.map((s) => [s.url, s.body])).toEqual([
      ["http://127.0.0.1:1/v1/renew", lease],
      ["http://127.0.0.1:1/v1/release", lease],
      [
        "http://127.0.0.1:1/v1/abandon",
        { name: "deploy/prod", id: "req-1", shared: false, ttl: 10_000 },
      ],
    ]);
  });

  it("inspect and list encode names and prefixes", async () => {
    const info: LockInfo = { name: "a/b c?", holders: [], waiters: [], lastFencingToken: 0 };
    const fetch = fakeFetch(json(info), json({ locks: [info] }));
    const backend = new HttpLeaseBackend("http://127.0.0.1:1", { fetch });
    expect(await backend.inspect("a/b c?")).toEqual(info);
    expect(await backend.list("a/ü&")).toEqual([info]);
    expect(fetch.sent.map((s) => s.url)).toEqual([
      "http://127.0.0.1:1/v1/locks/a%2Fb%20c%3F",
      "http://127.0.0.1:1/v1/locks?prefix=a%2F%C3%BC%26",
    ]);
  });

  it("refuses a URL that is not one", () => {
    expect(() => new HttpLeaseBackend("not a url")).toThrow(
      expect.objectContaining({ code: "invalid-argument" }),
    );
  });
});

describe("HttpLeaseBackend failures", () => {
  const failWith = async (answer: Answer) => {
    const backend = new HttpLeaseBackend("http://127.0.0.1:1", { fetch: fakeFetch(answer) });
    return backend.renew({ name: "a", id: "l", shared: false, token: 1, ttl: 900 }).then(
      () => undefined,
      (error: unknown) => error as { code: string; retryable: boolean; message: string },
    );
  };

  it("maps answers to codes: the server's own codes pass through, 401 and 5xx say what they are", async () => {
    expect(await failWith(errorBody(409, "not-held", "Lease l is no longer held"))).toMatchObject({
      code: "not-held",
      message: "Lease l is no longer held",
    });
    expect(await failWith(errorBody(400, "invalid-argument", "bad name"))).toMatchObject({
      code: "invalid-argument",
      retryable: false,
    });
    expect(await failWith(errorBody(401, "unauthorized", "no"))).toMatchObject({
      code: "store-unavailable",
      retryable: false,
      message: "The lock server refused the token (401)",
    });
    expect(await failWith(new Response("<html>bad gateway</html>", { status: 502 }))).toMatchObject(
      { code: "store-unavailable", retryable: true, message: "The lock server failed: HTTP 502" },
    );
    expect(await failWith(new Response("slow down", { status: 429 }))).toMatchObject({
      code: "store-unavailable",
      retryable: true,
    });
    expect(await failWith(new Response("nope", { status: 404 }))).toMatchObject({
      code: "invalid-argument",
      retryable: false,
    });
    expect(await failWith(new Response("{not json", { status: 200 }))).toMatchObject({
      code: "store-unavailable",
      message: "The lock server sent an unreadable answer to /v1/renew",
    });
  });

  it("a fetch that fails is store-unavailable with the cause, retryable", async () => {
    const cause = new TypeError("fetch failed: ECONNREFUSED");
    const error = (await failWith(cause)) as unknown as { code: string; cause: unknown };
    expect(isLockgateError(error, "store-unavailable")).toBe(true);
    expect((error as unknown as { retryable: boolean }).retryable).toBe(true);
    expect(error.cause).toBe(cause);
  });

  it("a server that never answers times out after the request's wait plus requestTimeout", async () => {
    const hang = (sent: Sent) =>
      new Promise<Response>((_, reject) =>
        sent.signal?.addEventListener("abort", () => reject(sent.signal?.reason), { once: true }),
      );
    const backend = new HttpLeaseBackend("http://127.0.0.1:1", {
      fetch: fakeFetch(hang),
      requestTimeout: 50,
    });
    const started = performance.now();
    const error = await backend.acquire(request, { waitMs: 100 }).catch((e: unknown) => e);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(isLockgateError(error, "store-unavailable")).toBe(true);
    expect(String((error as Error).message)).toBe(
      "The lock server did not answer POST /v1/acquire within 150 ms",
    );
  });

  it("aborting the caller's signal ends the request with the caller's reason", async () => {
    const hang = (sent: Sent) =>
      new Promise<Response>((_, reject) =>
        sent.signal?.addEventListener("abort", () => reject(sent.signal?.reason), { once: true }),
      );
    const backend = new HttpLeaseBackend("http://127.0.0.1:1", { fetch: fakeFetch(hang) });
    const controller = new AbortController();
    const pending = backend.acquire(request, { waitMs: 5_000, signal: controller.signal });
    controller.abort(new Error("shutting down"));
    const error = await pending.catch((e: unknown) => e);
    expect(isLockgateError(error, "aborted")).toBe(true);
    expect((error as Error).cause).toEqual(new Error("shutting down"));
  });
});

describe("HttpLeaseBackend watch", () => {
  it("reads server-sent events split anywhere across chunks, until the stream ends", async () => {
    const a: LockInfo = { name: "x", holders: [], waiters: [], lastFencingToken: 1 };
    const b: LockInfo = { ...a, lastFencingToken: 2 };
    const text = `event: lock\ndata: ${JSON.stringify(a)}\n\n: keep-alive\n\ndata: ${JSON.stringify(b)}\n\n`;
    const chunks = [text.slice(0, 7), text.slice(7, 40), text.slice(40, 41), text.slice(41)];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
        controller.close();
      },
    });
    const fetch = fakeFetch(new Response(body, { status: 200 }));
    const backend = new HttpLeaseBackend("http://127.0.0.1:1", {
      fetch,
      token: "t0ken-t0ken-t0ken",
    });
    const seen: LockInfo[] = [];
    for await (const info of backend.watch("x", new AbortController().signal)) seen.push(info);
    expect(seen).toEqual([a, b]);
    expect(fetch.sent[0]).toMatchObject({
      url: "http://127.0.0.1:1/v1/locks/x/watch",
      headers: { authorization: "Bearer t0ken-t0ken-t0ken" },
    });
  });

  it("a refused watch throws the mapped error", async () => {
    const backend = new HttpLeaseBackend("http://127.0.0.1:1", {
      fetch: fakeFetch(errorBody(400, "invalid-argument", "bad name")),
    });
    const iterator = backend.watch("x", new AbortController().signal)[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toMatchObject({ code: "invalid-argument" });
  });
});

describe("HttpLocker retries", () => {
  it("retries a server that is briefly down, then holds the lock; a refused token fails at once", async () => {
    const lease = { name: "job", id: "", shared: false, token: 1, ttl: 900 };
    const fetch = fakeFetch(
      new Response("unavailable", { status: 503 }),
      new TypeError("fetch failed"),
      (sent) =>
        Promise.resolve(
          json({
            status: "granted",
            lease: { ...lease, id: (sent.body as { id: string }).id },
            waitedMs: 0,
          }),
        ),
      new Response(null, { status: 204 }),
    );
    const errors: unknown[] = [];
    const locker = new HttpLocker("http://127.0.0.1:1", {
      fetch,
      leaseTtl: 900,
      onError: (e) => errors.push(e),
    });
    const lock = await locker.acquire("job", { timeout: 5_000 });
    expect(lock.fencingToken).toBe(1);
    expect(errors).toHaveLength(2); // each failed try said once
    await lock.release();
    expect(fetch.sent.map((s) => s.url.replace("http://127.0.0.1:1", ""))).toEqual([
      "/v1/acquire",
      "/v1/acquire",
      "/v1/acquire",
      "/v1/release",
    ]);
    await locker.close();

    const refused = new HttpLocker("http://127.0.0.1:1", {
      fetch: fakeFetch(errorBody(401, "unauthorized", "no")),
    });
    await expect(refused.acquire("job", { timeout: 5_000 })).rejects.toMatchObject({
      code: "store-unavailable",
      retryable: false,
    });
    await refused.close();
  });
});
