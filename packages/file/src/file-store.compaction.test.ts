import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finished, overlapsIn, startWorker } from "@lockgate/process-harness";
import { afterEach, describe, expect, it } from "vitest";
import { CompactionFloor } from "./compaction-floor.ts";
import { FileLocker } from "./file-locker.ts";

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "lockgate-compact-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function locker(dir: string): FileLocker {
  const created = new FileLocker(dir, { pollInterval: 100 });
  cleanups.push(() => created.close());
  return created;
}

const keyDirs = (dir: string) => readdirSync(dir).filter((name) => /^[0-9a-f]{64}$/.test(name));

describe("FileStore.compact", () => {
  it("removes the names nobody holds or waits for; a name used again goes on above its tokens", async () => {
    const dir = scratch();
    const a = locker(dir);
    const tokens = new Map<string, number>();
    for (const name of ["one", "two", "three"]) {
      for (let i = 0; i < 3; i++) {
        const lock = await a.acquire(name);
        tokens.set(name, lock.fencingToken);
        await lock.release();
      }
    }
    const held = await a.acquire("held");
    const waiter = locker(dir).acquire("held");
    await expect.poll(async () => (await a.inspect("held")).waiters.length).toBe(1);
    expect(keyDirs(dir)).toHaveLength(4);

    // Written just now: kept under the default idle time.
    expect(await a.store.compact()).toEqual({ examined: 4, removed: 0 });
    expect(await a.store.compact({ idleMs: 0 })).toEqual({ examined: 4, removed: 3 });
    expect(keyDirs(dir)).toHaveLength(1);

    for (const name of ["one", "two", "three"]) {
      const lock = await a.acquire(name);
      expect(lock.fencingToken).toBeGreaterThan(tokens.get(name) as number);
      await lock.release();
    }
    await held.release();
    const next = await waiter;
    expect(next.fencingToken).toBe(held.fencingToken + 1);
    await next.release();
  });

  it("tokens of one name strictly increase through many compactions, in a new process too", async () => {
    const dir = scratch();
    let last = 0;
    for (let round = 0; round < 20; round++) {
      const a = locker(dir);
      const lock = await a.acquire("job");
      expect(lock.fencingToken).toBeGreaterThan(last);
      last = lock.fencingToken;
      await lock.release();
      expect((await a.store.compact({ idleMs: 0 })).removed).toBe(1);
      await a.close();
    }
  });

  it("compacts by itself every compactEvery ms, names idle that long", async () => {
    const dir = scratch();
    const a = new FileLocker(dir, { compactEvery: 150 });
    cleanups.push(() => a.close());
    const lock = await a.acquire("short-lived");
    await lock.release();
    expect(keyDirs(dir)).toHaveLength(1);
    await expect.poll(() => keyDirs(dir), { timeout: 3_000, interval: 50 }).toHaveLength(0);
    const again = await a.acquire("short-lived");
    expect(again.fencingToken).toBeGreaterThan(lock.fencingToken);
    await again.release();
  });

  it("the floor only goes up, whatever order raises come in", () => {
    const floor = new CompactionFloor(scratch());
    expect(floor.read()).toBe(0);
    floor.raise(10);
    floor.raise(7);
    expect(floor.read()).toBe(10);
    floor.raise(12);
    expect(floor.read()).toBe(12);
  });

  it("a watcher of a compacted name sees the name's next grant", async () => {
    const dir = scratch();
    const a = locker(dir);
    const first = await a.acquire("watched");
    await first.release();
    const controller = new AbortController();
    cleanups.push(() => controller.abort());
    const seen: number[] = [];
    const watching = (async () => {
      for await (const info of a.watch("watched", { signal: controller.signal })) {
        for (const holder of info.holders) seen.push(holder.fencingToken);
        if (seen.length > 0) return;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await a.store.compact({ idleMs: 0 })).removed).toBe(1);
    const b = locker(dir);
    const second = await b.acquire("watched");
    await watching;
    expect(seen).toEqual([second.fencingToken]);
    expect(second.fencingToken).toBeGreaterThan(first.fencingToken);
    await second.release();
  });

  for (const paused of [false, true]) {
    it(`4 processes holding names at random while a 5th compacts nonstop${paused ? ", stopped (SIGSTOP) for 2.5 s at random moments" : ""}: exact counts, no overlap, tokens rising`, async () => {
      const dir = scratch();
      const locks = join(dir, "locks");
      const names = 3;
      const iterations = 120;
      for (let n = 0; n < names; n++) {
        writeFileSync(join(dir, `counter-n${n}`), "0");
        writeFileSync(join(dir, `log-n${n}`), "");
      }
      const worker = join(import.meta.dirname, "test-workers", "lock-worker.ts");
      const cwd = join(import.meta.dirname, "..");
      // A stopped compactor holds a name's writer lock: writers take it over after staleMs.
      const env = { STALE_MS: "2000" };
      const compactorProcess = startWorker("node", worker, ["compact", locks, "8000"], {
        cwd,
        env,
      });
      const compactor = finished(compactorProcess);
      let stopping = paused;
      const pauses = (async () => {
        while (stopping) {
          await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 700));
          if (!stopping) break;
          compactorProcess.kill("SIGSTOP");
          await new Promise((resolve) => setTimeout(resolve, 2_500));
          compactorProcess.kill("SIGCONT");
        }
      })();
      const results = await Promise.all(
        Array.from({ length: 4 }, () =>
          finished(
            startWorker("node", worker, ["spread", locks, String(names), String(iterations), dir], {
              cwd,
              env,
            }),
          ),
        ),
      );
      stopping = false;
      await pauses;
      for (const r of results) expect(r.code, r.stderr).toBe(0);
      const compacted = await compactor;
      expect(compacted.code, compacted.stderr).toBe(0);
      const removed = Number(/removed=(\d+)/.exec(compacted.stdout)?.[1]);
      // The compactor really removed names while they were in use.
      expect(removed).toBeGreaterThan(paused ? 2 : 10);
      expect(compacted.stdout).toContain("lost=0");
      let total = 0;
      for (let n = 0; n < names; n++) {
        total += Number(readFileSync(join(dir, `counter-n${n}`), "utf8"));
        const { problems, tokens } = overlapsIn(join(dir, `log-n${n}`));
        expect(problems).toEqual([]);
        for (let i = 1; i < tokens.length; i++)
          expect(tokens[i]).toBeGreaterThan(tokens[i - 1] as number);
      }
      expect(total).toBe(4 * iterations);
    }, 120_000);
  }
});
