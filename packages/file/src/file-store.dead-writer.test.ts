import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isLockgateError } from "@lockgate/core";
import { startWorker } from "@lockgate/process-harness";
import { afterEach, describe, expect, it } from "vitest";
import { FileStore } from "./file-store.ts";

// A writer SIGKILLed while it holds a key's writer lock used to block every writer of that key
// for staleMs (10 s by default; chaos runs waited 10.2-12.1 s). On one host a dead owner is known
// at once: its pid is gone.

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function stuckWriter(dir: string) {
  const child = startWorker(
    "node",
    join(import.meta.dirname, "test-workers", "stuck-writer.ts"),
    [dir, "k"],
    {
      cwd: join(import.meta.dirname, ".."),
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (d: Buffer) => {
      if (d.toString().includes("locked")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`stuck writer exited ${code}`)));
  });
  return child;
}

describe("FileStore and a writer that died holding the writer lock", () => {
  it("a SIGKILLed writer's lock is reclaimed at once, not after staleMs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lockgate-dead-writer-"));
    dirs.push(dir);
    const store = new FileStore(dir, { durable: false, staleMs: 30_000, writeTimeout: 20_000 });
    const v1 = await store.put("k", "one", null);
    const child = await stuckWriter(dir);
    child.kill("SIGKILL");
    await new Promise((resolve) => child.on("exit", resolve));
    const started = performance.now();
    const v2 = await store.put("k", "two", v1);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await store.get("k")).toEqual({ value: "two", version: v2 });
    expect(store.reclaimedLocks).toBe(1);
    await store.close();
  });

  it("a paused (SIGSTOPped) writer is alive: its lock is respected", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lockgate-dead-writer-"));
    dirs.push(dir);
    const store = new FileStore(dir, { durable: false, staleMs: 30_000, writeTimeout: 1_000 });
    const v1 = await store.put("k", "one", null);
    const child = await stuckWriter(dir);
    child.kill("SIGSTOP");
    try {
      const error = await store.put("k", "two", v1).catch((e: unknown) => e);
      expect(isLockgateError(error, "store-unavailable")).toBe(true);
      expect(String((error as Error).message)).toMatch(/kept .*\.lock for over 1000 ms/);
      expect(store.reclaimedLocks).toBe(0);
    } finally {
      child.kill("SIGKILL");
      await store.close();
    }
  });
});
