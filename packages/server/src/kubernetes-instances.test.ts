import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpLocker } from "@lockgate/http-client";
import { configMaps, type KubeApiStandIn, startKubeApiStandIn } from "@lockgate/kube-api-standin";
import { finished, startWorker } from "@lockgate/process-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "./test-support/server-process.ts";
import { itSharesOneStore } from "./test-support/shared-store-checks.ts";

// The stand-in speaks the API server's wire protocol with its recorded answers; the three
// servers reach it through @kubernetes/client-node and a kubeconfig, as they would a cluster.
const TOKEN = "kube-token-0123456789abcdef";
let standIn: KubeApiStandIn;
let dir: string;
const servers: ServerProcess[] = [];
const start = (runtime: "node" | "bun" | "deno") =>
  startServerProcess(
    runtime,
    ["--token", TOKEN, "--store", "kubernetes", "--kube-object", "ci/configmaps/server-locks"],
    undefined,
    { KUBECONFIG: join(dir, "kubeconfig") },
  );
beforeAll(async () => {
  standIn = await startKubeApiStandIn();
  standIn.create(configMaps, { name: "server-locks", namespace: "ci" });
  dir = mkdtempSync(join(tmpdir(), "lockgate-server-k8s-"));
  writeFileSync(join(dir, "kubeconfig"), standIn.kubeconfig(), { mode: 0o600 });
  for (const runtime of ["node", "bun", "deno"] as const) servers.push(await start(runtime));
}, 90_000);
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await standIn?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});
const client = (i: number, ttl = 5_000) =>
  new HttpLocker((servers[i] as ServerProcess).url, { token: TOKEN, leaseTtl: ttl });

describe("three lock-server instances on one Kubernetes object (Node, Bun and Deno)", () => {
  itSharesOneStore(() => servers, TOKEN, { rounds: 8, settleMs: 300 });

  it("an instance killed with its holder's lease in the object: another instance's waiter takes over after the ttl", async () => {
    const victim = await start("node");
    const holder = new HttpLocker(victim.url, { token: TOKEN, leaseTtl: 2_000 });
    const held = await holder.acquire("killed");
    const waiter = client(1);
    const waiting = waiter.acquire("killed", { timeout: 30_000 });
    const killedAt = Date.now();
    await victim.stop("SIGKILL");
    // The holder's client cannot renew through a dead server: it gives the lock up itself.
    const next = await waiting;
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(1_000);
    expect(next.fencingToken).toBe(held.fencingToken + 1);
    // And the object itself says so, for any Go lockgate process reading it.
    const object = standIn.objects.get(configMaps, "ci", "server-locks");
    expect(JSON.stringify(object?.metadata?.annotations ?? {})).toContain(next.id);
    await next.release();
    await Promise.all([waiter.close(), holder.close().catch(() => {})]);
  }, 60_000);

  it.each([
    [["--kube-object", "ci/configmaps/a/b"], "--kube-object", {}],
    [
      ["--kube-object", "ci/configmaps/server-locks"],
      "set KUBECONFIG",
      { KUBECONFIG: "/dev/null" },
    ],
  ])(
    "refuses %j at start with exit code 2 and what to fix",
    async (flags, message, env) => {
      const child = startWorker(
        "node",
        join(import.meta.dirname, "main.ts"),
        ["--port", "0", "--no-auth", "--store", "kubernetes", ...flags],
        {
          cwd: join(import.meta.dirname, ".."),
          env: { KUBECONFIG: join(dir, "kubeconfig"), ...env },
        },
      );
      const { code, stderr } = await finished(child);
      expect(code).toBe(2);
      expect(stderr).toContain(message);
    },
    30_000,
  );
});
