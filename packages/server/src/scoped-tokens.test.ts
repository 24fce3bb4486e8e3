import { isLockgateError, StoreLeaseBackend } from "@lockgate/core";
import { HttpLocker } from "@lockgate/http-client";
import { MemoryStore } from "@lockgate/store-memory";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AccessToken, digestOf } from "./access-tokens.ts";
import { createApp } from "./create-app.ts";

const secrets = {
  teamA: "team-a-secret-0123456789",
  teamB: "team-b-secret-0123456789",
  reader: "reader-secret-0123456789",
  admin: "admin-secret-01234567890",
};
const token = (name: string, secret: string, prefixes: string[], role: "read" | "write") =>
  ({ name, digest: digestOf(secret), prefixes, role }) satisfies AccessToken;
const tokens = [
  token("team-a", secrets.teamA, ["team-a/"], "write"),
  token("team-b", secrets.teamB, ["team-b/", "shared/"], "write"),
  token("board", secrets.reader, ["team-a/", "team-b/"], "read"),
  token("admin", secrets.admin, [""], "write"),
];

function server() {
  const { app } = createApp(new StoreLeaseBackend(new MemoryStore()), { tokens });
  const call = (secret: string, path: string, body?: unknown, basic = false) =>
    app.request(path, {
      method: body === undefined ? "GET" : "POST",
      headers: {
        authorization: basic ? `Basic ${btoa(`${secret}:`)}` : `Bearer ${secret}`,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return { app, call };
}

describe("scoped tokens", () => {
  it("a token acts only on its prefixes; outside them it gets 403 forbidden, naming the token and why", async () => {
    const { call } = server();
    const mine = await call(secrets.teamA, "/v1/acquire", { name: "team-a/deploy", id: "a1" });
    expect((await mine.json()).status).toBe("granted");
    const theirs = await call(secrets.teamA, "/v1/acquire", { name: "team-b/deploy", id: "a2" });
    expect(theirs.status).toBe(403);
    const { error } = await theirs.json();
    expect(error.code).toBe("forbidden");
    expect(error.message).toContain('Token "team-a" may not write the lock "team-b/deploy"');
    expect(error.message).toContain('"team-a/"');
    expect(error.message).not.toContain(secrets.teamA);
    // Not even a look at another team's lock, nor its release.
    expect((await call(secrets.teamA, "/v1/locks/team-b%2Fdeploy")).status).toBe(403);
    expect((await call(secrets.teamA, "/v1/locks/team-b%2Fdeploy/watch")).status).toBe(403);
    const release = await call(secrets.teamB, "/v1/release", {
      name: "team-a/deploy",
      id: "a1",
      token: 1,
    });
    expect(release.status).toBe(403);
    expect((await call(secrets.admin, "/v1/locks/team-a%2Fdeploy")).status).toBe(200);
  });

  it("a read token inspects, lists and watches, and cannot acquire, renew or release", async () => {
    const { call } = server();
    await call(secrets.teamA, "/v1/acquire", { name: "team-a/deploy", id: "a1" });
    expect((await call(secrets.reader, "/v1/locks/team-a%2Fdeploy")).status).toBe(200);
    for (const path of ["/v1/acquire", "/v1/renew", "/v1/release", "/v1/abandon", "/v1/value"]) {
      const refused = await call(secrets.reader, path, { name: "team-a/deploy", id: "a1" });
      expect(refused.status).toBe(403);
      expect((await refused.json()).error.message).toContain("it may only read");
    }
    const watch = await call(secrets.reader, "/v1/locks/team-a%2Fdeploy/watch");
    expect(watch.status).toBe(200);
    await watch.body?.cancel();
  });

  it("list shows each token only what it may see", async () => {
    const { call } = server();
    for (const name of ["team-a/x", "team-a/y", "team-b/x", "shared/x", "ops/x"]) {
      const res = await call(secrets.admin, "/v1/acquire", {
        name,
        id: `id-${name.length}${name[5]}`,
      });
      expect(res.status).toBe(200);
    }
    const names = async (secret: string, prefix = "") =>
      (
        (await (await call(secret, `/v1/locks?prefix=${prefix}`)).json()).locks as {
          name: string;
        }[]
      )
        .map((l) => l.name)
        .sort();
    expect(await names(secrets.teamA)).toEqual(["team-a/x", "team-a/y"]);
    expect(await names(secrets.teamB)).toEqual(["shared/x", "team-b/x"]);
    expect(await names(secrets.reader)).toEqual(["team-a/x", "team-a/y", "team-b/x"]);
    expect(await names(secrets.admin)).toHaveLength(5);
    expect(await names(secrets.teamA, "ops/")).toEqual([]);
  });

  it("HttpLocker reports a lock outside its token's scope as invalid-argument, with the server's reason", async () => {
    const { app } = server();
    const locker = new HttpLocker("http://lock-server.test", {
      token: secrets.teamA,
      fetch: async (input, init) => app.request(String(input), init),
    });
    const mine = await locker.acquire("team-a/ok");
    let caught: unknown;
    try {
      await locker.acquire("team-b/not-mine");
    } catch (error) {
      caught = error;
    }
    expect(isLockgateError(caught, "invalid-argument")).toBe(true);
    expect((caught as Error).message).toContain('Token "team-a" may not write');
    await mine.release();
    await locker.close();
  });

  it("the Go protocol obeys the same scopes (token as Basic auth, as Go clients send it)", async () => {
    const { call } = server();
    const go = (secret: string, name: string) =>
      call(secret, "/acquire", { lockName: name, opts: { shared: false, acquirerId: "" } }, true);
    const ok = await go(secrets.teamA, "team-a/build");
    expect((await ok.json()).err).toBe("");
    const refused = await go(secrets.teamA, "team-b/build");
    // Go's client reports any status but 200 as an error, with the body.
    expect(refused.status).toBe(403);
    expect((await go(secrets.reader, "team-a/other")).status).toBe(403);
    const handle = { lockHandle: { uuid: "x", lockName: "team-b/build" } };
    expect((await call(secrets.teamA, "/renew-lease", handle, true)).status).toBe(403);
    expect((await call(secrets.teamA, "/release", handle, true)).status).toBe(403);
  });

  it("fuzzed: every request is 401 without a known secret, 403 outside its scope, never 5xx", async () => {
    const { call } = server();
    const names = ["team-a/x", "team-b/y", "shared/z", "ops/w", "team-a", "team-ab/x"];
    const routes = [
      "/v1/acquire",
      "/v1/renew",
      "/v1/release",
      "/v1/abandon",
      "/v1/locks/",
      "/acquire",
      "/release",
    ];
    const presented = [
      ...Object.values(secrets),
      "",
      "wrong-secret-0123456789",
      secrets.teamA.slice(0, -1),
      `${secrets.teamA}x`,
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...presented),
        fc.constantFrom(...names),
        fc.constantFrom(...routes),
        fc.boolean(),
        async (secret, name, route, basic) => {
          const write = !route.startsWith("/v1/locks/");
          const isGo = route === "/acquire" || route === "/release";
          const body = isGo
            ? route === "/acquire"
              ? { lockName: name, opts: { shared: false, acquirerId: "" } }
              : { lockHandle: { uuid: "u1", lockName: name } }
            : { name, id: "f1", token: 1 };
          const res = write
            ? await call(secret, route, body, basic)
            : await call(secret, `${route}${encodeURIComponent(name)}`, undefined, basic);
          expect(res.status).toBeLessThan(500);
          const known = tokens.find(
            (t) =>
              Object.values(secrets).includes(secret) &&
              t.digest.join() === digestOf(secret).join(),
          );
          if (!known) {
            expect(res.status).toBe(401);
            return;
          }
          const allowed =
            known.prefixes.some((p) => name.startsWith(p)) && (!write || known.role === "write");
          if (allowed) expect(res.status).not.toBe(403);
          else {
            expect(res.status).toBe(403);
            expect((await res.json()).error.code).toBe("forbidden");
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
