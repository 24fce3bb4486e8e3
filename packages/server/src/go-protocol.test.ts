import { StoreLeaseBackend } from "@lockgate/core";
import { MemoryStore } from "@lockgate/store-memory";
import { describe, expect, it } from "vitest";
import { createApp } from "./create-app.ts";

// Exactly what werf's Go client sends: POST, JSON body, no Content-Type header.
function goClient() {
  const { app } = createApp(new StoreLeaseBackend(new MemoryStore()));
  const call = async (path: string, body: string) => {
    const response = await app.request(path, { method: "POST", body });
    return { status: response.status, body: await response.json() };
  };
  return {
    acquire: (name: string, shared = false) =>
      call(
        "/acquire",
        `{"lockName":${JSON.stringify(name)},"opts":{"shared":${shared},"acquirerId":""}}`,
      ),
    renew: (uuid: string, name: string) =>
      call(
        "/renew-lease",
        `{"lockHandle":{"uuid":${JSON.stringify(uuid)},"lockName":${JSON.stringify(name)}}}`,
      ),
    release: (uuid: string, name: string) =>
      call(
        "/release",
        `{"lockHandle":{"uuid":${JSON.stringify(uuid)},"lockName":${JSON.stringify(name)}}}`,
      ),
    raw: call,
  };
}

describe("Go lockgate protocol", () => {
  it("acquire, should wait, renew, release, with lockgate's exact replies", async () => {
    const go = goClient();
    const first = await go.acquire("deploy");
    expect(first.status).toBe(200);
    expect(first.body.err).toBe("");
    expect(first.body.lockHandle.lockName).toBe("deploy");
    const uuid = first.body.lockHandle.uuid as string;
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/);

    expect(await go.acquire("deploy")).toEqual({
      status: 200,
      body: { lockHandle: { uuid: "", lockName: "deploy" }, err: "should wait" },
    });
    expect(await go.renew(uuid, "deploy")).toEqual({ status: 200, body: { err: "" } });
    expect(await go.release(uuid, "deploy")).toEqual({ status: 200, body: { err: "" } });
    expect(await go.renew(uuid, "deploy")).toEqual({
      status: 200,
      body: { err: "no existing lock lease found" },
    });
    expect(await go.release(uuid, "deploy")).toEqual({
      status: 200,
      body: { err: "no existing lock lease found" },
    });

    const next = await go.acquire("deploy");
    expect(next.body.err).toBe("");
    expect(await go.renew(uuid, "deploy")).toEqual({
      status: 200,
      body: { err: "lock already leased" },
    });
    expect(await go.release(uuid, "deploy")).toEqual({
      status: 200,
      body: { err: "lock already leased" },
    });
  });

  it("shared acquirers hold together; an exclusive one is told to wait", async () => {
    const go = goClient();
    const a = await go.acquire("cache", true);
    const b = await go.acquire("cache", true);
    expect([a.body.err, b.body.err]).toEqual(["", ""]);
    expect((await go.acquire("cache")).body.err).toBe("should wait");
    await go.release(a.body.lockHandle.uuid, "cache");
    expect((await go.acquire("cache")).body.err).toBe("should wait");
    await go.release(b.body.lockHandle.uuid, "cache");
    expect((await go.acquire("cache")).body.err).toBe("");
  });

  it("a body that is not JSON gets 400, as the Go client expects of a broken request", async () => {
    const go = goClient();
    const bad = await go.raw("/acquire", "lockName=deploy");
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid-json");
  });
});
