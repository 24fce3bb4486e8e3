import { HttpLocker } from "@lockgate/http-client";
import { EtcdServer } from "@lockgate/process-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contend } from "./test-support/contend.ts";
import { type ServerProcess, startServerProcess } from "./test-support/server-process.ts";

const TOKEN = "etcd-token-0123456789abcdef";
const etcd = new EtcdServer();
const servers: ServerProcess[] = [];
beforeAll(async () => {
  await etcd.start();
  for (const runtime of ["node", "bun", "deno"] as const) {
    servers.push(
      await startServerProcess(runtime, [
        "--token",
        TOKEN,
        "--store",
        "etcd",
        "--etcd-endpoints",
        etcd.endpoint,
      ]),
    );
  }
}, 60_000);
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await etcd.stop();
});

describe("three lock-server instances on one etcd (Node, Bun and Deno)", () => {
  it("clients spread across them exclude each other, with increasing fencing tokens", async () => {
    const clients = [0, 1, 2, 0, 1, 2].map(
      (i) => new HttpLocker((servers[i] as ServerProcess).url, { token: TOKEN, leaseTtl: 5_000 }),
    );
    const { most, sections, tokens } = await contend(clients, "deploy", 10);
    expect(most).toBe(1);
    expect(sections).toBe(60);
    for (let i = 1; i < tokens.length; i++)
      expect(tokens[i]).toBeGreaterThan(tokens[i - 1] as number);
    await Promise.all(clients.map((c) => c.close()));
  }, 120_000);

  it("a release through one instance hands the lock to a waiter long-polling on another", async () => {
    for (const [from, to] of [
      [0, 1],
      [1, 2],
      [2, 0],
    ] as const) {
      const a = new HttpLocker((servers[from] as ServerProcess).url, { token: TOKEN });
      const b = new HttpLocker((servers[to] as ServerProcess).url, { token: TOKEN });
      const held = await a.acquire("cross");
      const waiting = b.acquire("cross", { timeout: 30_000 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await a.inspect("cross")).waiters).toHaveLength(1);
      await held.release();
      const next = await waiting;
      expect(next.fencingToken).toBe(held.fencingToken + 1);
      await next.release();
      await Promise.all([a.close(), b.close()]);
    }
  }, 60_000);
});
