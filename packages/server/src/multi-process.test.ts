import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpLocker } from "@lockgate/http-client";
import {
  finished,
  lineMatching,
  overlapsIn,
  prepareCounterFiles,
  startWorker,
} from "@lockgate/process-harness";
import { afterEach, describe, expect, it } from "vitest";
import { contend } from "./test-support/contend.ts";
import { type ServerProcess, startServerProcess } from "./test-support/server-process.ts";

const TOKEN = "mp-token-0123456789abcdef";
const appDir = join(import.meta.dirname, "..");
const clientWorker = join(import.meta.dirname, "test-support", "client-worker.ts");
const running: ServerProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
async function server(args: string[] = []): Promise<ServerProcess> {
  const s = await startServerProcess("node", ["--token", TOKEN, ...args]);
  running.push(s);
  return s;
}
function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), "lockgate-server-mp-"));
  dirs.push(d);
  return d;
}

describe("lock server with many processes", () => {
  it("4 client processes (Node, Node, Bun, Deno) x 50 read-modify-writes through one server: exact count, never overlapping", async () => {
    const s = await server();
    const dir = scratch();
    const { counter, log } = prepareCounterFiles(dir);
    // The client needs only fetch: the same worker runs under each runtime.
    const results = await Promise.all(
      (["node", "node", "bun", "deno"] as const).map((runtime) =>
        finished(
          startWorker(runtime, clientWorker, ["counter", s.url, TOKEN, counter, "50", log], {
            cwd: appDir,
          }),
        ),
      ),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(Number(readFileSync(counter, "utf8"))).toBe(200);
    const { problems, tokens } = overlapsIn(log);
    expect(problems).toEqual([]);
    for (let i = 1; i < tokens.length; i++)
      expect(tokens[i]).toBeGreaterThan(tokens[i - 1] as number);
  }, 120_000);

  it("a client killed mid-hold: its lease expires on the server after the ttl and the next waiter gets the lock", async () => {
    const s = await server();
    const ttl = 1_500;
    const holder = startWorker("node", clientWorker, ["hold", s.url, TOKEN, "job"], {
      cwd: appDir,
      env: { LEASE_TTL: String(ttl) },
    });
    const holderDone = finished(holder);
    await lineMatching(holder, /^acquired/);
    const waiter = new HttpLocker(s.url, { token: TOKEN, leaseTtl: ttl });
    const waiting = waiter.acquire("job", { timeout: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    holder.kill("SIGKILL");
    await holderDone;
    const before = await waiter.inspect("job");
    const lastRenewal = before.holders[0]?.renewedAt as number; // the server's clock, this host's
    const lock = await waiting;
    const grantedAt = Date.now();
    expect(grantedAt - lastRenewal).toBeGreaterThanOrEqual(ttl);
    expect(grantedAt - lastRenewal).toBeLessThan(ttl * 2 + 1_000);
    await lock.release();
    await waiter.close();
  }, 60_000);

  it("two server instances over one file store exclude each other's clients; a release on one wakes a waiter on the other", async () => {
    const dir = scratch();
    const [a, b] = [
      await server(["--store", "file", "--file-dir", dir]),
      await server(["--store", "file", "--file-dir", dir]),
    ];
    const clients = [a, b, a, b, a, b].map(
      (s) => new HttpLocker((s as ServerProcess).url, { token: TOKEN, leaseTtl: 5_000 }),
    );
    const { most, sections, tokens } = await contend(clients, "shared-job", 10);
    expect(most).toBe(1);
    expect(sections).toBe(60);
    for (let i = 1; i < tokens.length; i++)
      expect(tokens[i]).toBeGreaterThan(tokens[i - 1] as number);
    // A release through A hands over to a waiter long-polling on B (latency is measured in bench/).
    const onA = new HttpLocker(a.url, { token: TOKEN });
    const onB = new HttpLocker(b.url, { token: TOKEN });
    const held = await onA.acquire("cross");
    const waiting = onB.acquire("cross");
    await new Promise((resolve) => setTimeout(resolve, 200));
    await held.release();
    const next = await waiting;
    expect(next.fencingToken).toBeGreaterThan(held.fencingToken);
    await next.release();
    await Promise.all([...clients, onA, onB].map((c) => c.close()));
  }, 120_000);
});
