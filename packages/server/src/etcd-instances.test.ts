import { EtcdServer } from "@lockgate/process-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "./test-support/server-process.ts";
import { expectExclusionAcross, expectHandover } from "./test-support/shared-store-checks.ts";

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
  it(
    "clients spread across them exclude each other, with increasing fencing tokens",
    () => expectExclusionAcross(servers, TOKEN, 10),
    120_000,
  );

  it("a release through one instance hands the lock to a waiter long-polling on another", async () => {
    for (const [from, to] of [
      [0, 1],
      [1, 2],
      [2, 0],
    ] as const)
      await expectHandover(
        servers[from] as ServerProcess,
        servers[to] as ServerProcess,
        TOKEN,
        100,
      );
  }, 60_000);
});
