import { EtcdServer } from "@lockgate/process-harness";
import { afterAll, beforeAll, describe } from "vitest";
import { type ServerProcess, startServerProcess } from "./test-support/server-process.ts";
import { itSharesOneStore } from "./test-support/shared-store-checks.ts";

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
  itSharesOneStore(() => servers, TOKEN, { rounds: 10, settleMs: 100 });
});
