import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  finished,
  lineMatching,
  overlapsIn,
  prepareCounterFiles,
  type Runtime,
  startWorker as startAny,
} from "@lockgate/process-harness";
import { afterEach, describe, expect, it } from "vitest";
import { decodeVersionFile, versionSeq } from "./version-file.ts";

const packageDir = join(import.meta.dirname, "..");
const worker = join(import.meta.dirname, "test-workers", "lock-worker.ts");
const startWorker = (runtime: Runtime, args: string[], env: Record<string, string> = {}) =>
  startAny(runtime, worker, args, { cwd: packageDir, env });

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "lockgate-mp-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every version file in the lock directory parses: no torn or corrupt record anywhere. */
function expectIntactRecords(locks: string): void {
  for (const keyDir of readdirSync(locks, { withFileTypes: true })) {
    if (!keyDir.isDirectory()) continue;
    for (const name of readdirSync(join(locks, keyDir.name))) {
      if (versionSeq(name) === undefined) continue;
      const path = join(locks, keyDir.name, name);
      const text = readFileSync(path, "utf8");
      expect(() => decodeVersionFile(text, path, undefined)).not.toThrow();
      JSON.parse(JSON.parse(text).value); // the lock record inside is whole JSON too
    }
  }
}

async function counterRun(runtimes: Runtime[], iterations: number): Promise<void> {
  const dir = scratch();
  const locks = join(dir, "locks");
  const { counter, log } = prepareCounterFiles(dir);
  const results = await Promise.all(
    runtimes.map((runtime) =>
      finished(startWorker(runtime, ["counter", locks, counter, String(iterations), log])),
    ),
  );
  for (const r of results) expect(r.code, r.stderr).toBe(0);
  expect(Number(readFileSync(counter, "utf8"))).toBe(runtimes.length * iterations);
  const { problems, sections, tokens } = overlapsIn(log);
  expect(problems).toEqual([]);
  expect(sections).toBe(runtimes.length * iterations);
  for (let i = 1; i < tokens.length; i++)
    expect(tokens[i]).toBeGreaterThan(tokens[i - 1] as number);
  expectIntactRecords(locks);
}

describe("FileLocker across real processes", () => {
  it("4 Node processes x 200 read-modify-writes under an exclusive lock: exact count, never overlapping", async () => {
    await counterRun(["node", "node", "node", "node"], 200);
  }, 120_000);

  it("shared and exclusive holders in 4 processes never overlap wrongly", async () => {
    const dir = scratch();
    const log = join(dir, "log");
    writeFileSync(log, "");
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        finished(startWorker("node", ["mixed", join(dir, "locks"), "100", log])),
      ),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const { problems, sections } = overlapsIn(log);
    expect(problems).toEqual([]);
    expect(sections).toBe(400);
    // Readers did share: at some point two shared holders were inside together.
    let concurrentReaders = 0;
    let most = 0;
    for (const line of readFileSync(log, "utf8").split("\n")) {
      if (line.startsWith("enter") && line.includes(" s "))
        most = Math.max(most, ++concurrentReaders);
      if (line.startsWith("leave") && line.includes(" s ")) concurrentReaders--;
    }
    expect(most).toBeGreaterThan(1);
  }, 120_000);

  it("a holder killed with SIGKILL is taken over after its ttl, not before", async () => {
    const dir = scratch();
    const locks = join(dir, "locks");
    const ttl = 1_500;
    const holder = startWorker("node", ["hold", locks, "job"], { LEASE_TTL: String(ttl) });
    const holderDone = finished(holder);
    await lineMatching(holder, /^acquired/);
    const waiter = startWorker("node", ["wait", locks, "job"], { LEASE_TTL: String(ttl) });
    const waiterDone = finished(waiter);
    await new Promise((resolve) => setTimeout(resolve, 400));
    holder.kill("SIGKILL");
    await holderDone;
    // The last renewal the holder managed, by its own (same-host) wall clock.
    const keyDir = readdirSync(locks, { withFileTypes: true }).find((d) => d.isDirectory()) as {
      name: string;
    };
    const versions = readdirSync(join(locks, keyDir.name)).filter(
      (n) => versionSeq(n) !== undefined,
    );
    const record = JSON.parse(
      JSON.parse(readFileSync(join(locks, keyDir.name, versions.sort().at(-1) as string), "utf8"))
        .value,
    );
    const lastRenewal = record.holders[0].renewedAt as number;
    const result = await waiterDone;
    expect(result.code, result.stderr).toBe(0);
    const grantedAt = Number(/ at (\d+)/.exec(result.stdout)?.[1]);
    expect(grantedAt - lastRenewal).toBeGreaterThanOrEqual(ttl);
    expect(grantedAt - lastRenewal).toBeLessThan(ttl * 2 + 1_000); // and not much later
  }, 60_000);

  it("a process stopped (SIGSTOP) mid-commit past the stale period, then resumed: no double holder, no corrupt record, no crash", async () => {
    const dir = scratch();
    const locks = join(dir, "locks");
    const { counter, log } = prepareCounterFiles(dir);
    const env = { LEASE_TTL: "1000", STALE_MS: "2000" };
    const paused = startWorker("node", ["counter", locks, counter, "30", log], {
      ...env,
      PAUSE_AT_RELEASE: "5",
    });
    const pausedDone = finished(paused);
    await lineMatching(paused, /^pausing/);
    const others = [1, 2].map(() =>
      finished(startWorker("node", ["counter", locks, counter, "30", log], env)),
    );
    await new Promise((resolve) => setTimeout(resolve, 3_500)); // > stale (2 s) and > ttl (1 s)
    paused.kill("SIGCONT");
    const results = await Promise.all([pausedDone, ...others]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(Number(readFileSync(counter, "utf8"))).toBe(90);
    expect(overlapsIn(log).problems).toEqual([]);
    expectIntactRecords(locks);
    // The paused writer found its writer lock taken over at its commit and said so, without crashing.
    expect(results[0]?.stdout).toMatch(/done compromised=[1-9]/);
  }, 60_000);

  it.each(["bun", "deno"] as const)(
    "the same counter run holds with the workers under %s",
    async (runtime) => {
      await counterRun([runtime, runtime, "node"], 100);
    },
    120_000,
  );
});
