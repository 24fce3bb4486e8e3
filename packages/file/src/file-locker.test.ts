import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isLockgateError } from "@lockgate/core";
import { afterEach, describe, expect, it } from "vitest";
import { FileLocker } from "./file-locker.ts";
import { versionSeq } from "./version-file.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "lockgate-fl-"));
  chmodSync(dir, 0o755);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The newest version file of the only lock in `locks`. */
function latestVersionFile(locks: string): string {
  const keyDir = readdirSync(locks, { withFileTypes: true }).find((d) => d.isDirectory())
    ?.name as string;
  const latest = readdirSync(join(locks, keyDir))
    .filter((n) => versionSeq(n) !== undefined)
    .sort()
    .at(-1) as string;
  return join(locks, keyDir, latest);
}

describe("FileLocker: the directory", () => {
  it("creates a missing directory, nested", async () => {
    const locks = join(scratch(), "a", "b", "locks");
    const locker = new FileLocker(locks);
    const lock = await locker.acquire("x");
    expect(lock.fencingToken).toBe(1);
    await locker.close();
  });

  it("says clearly when a file stands where the directory should be", () => {
    const file = join(scratch(), "not-a-dir");
    writeFileSync(file, "");
    for (const dir of [file, join(file, "locks")]) {
      let error: unknown;
      try {
        new FileLocker(dir);
      } catch (e) {
        error = e;
      }
      expect(isLockgateError(error, "invalid-argument")).toBe(true);
      expect((error as Error).message).toMatch(/file stands where the directory|not a directory/);
    }
  });

  it("says clearly when the user may not write there (run as an unprivileged user)", () => {
    const parent = join(scratch(), "root-only");
    mkdirSync(parent, { mode: 0o755 });
    const script = `
      import("@lockgate/file").then(({ FileLocker }) => {
        try { new FileLocker(${JSON.stringify(join(parent, "locks"))}); console.log("no error"); }
        catch (e) { console.log(e.code + ": " + e.message); }
      });`;
    if (process.getuid?.() !== 0) {
      // As a normal user we cannot switch users; a directory we do not own shows the same path.
      chmodSync(parent, 0o555);
    }
    const result = spawnSync(
      process.execPath,
      ["--conditions=@lockgate/source", "--import", "tsx", "-e", script],
      {
        cwd: join(import.meta.dirname, ".."),
        encoding: "utf8",
        ...(process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}),
      },
    );
    expect(result.stdout.trim()).toMatch(
      /^store-unavailable: Cannot create or write the lock directory .*\(EACCES\).*permission/,
    );
  });
});

describe("FileLocker: a lock directory removed by hand", () => {
  it("frees the lock; the same locker makes the directory again and goes on", async () => {
    const locks = join(scratch(), "locks");
    const locker = new FileLocker(locks, { leaseTtl: 1_000 });
    const stuck = await locker.acquire("x");
    rmSync(join(latestVersionFile(locks), ".."), { recursive: true, force: true });
    // This store had made that directory before: its next write must notice and make it again.
    const again = await locker.acquire("x", { nonBlocking: true });
    expect(again?.fencingToken).toBe(1); // the counter went with the directory
    expect(readdirSync(locks).length).toBeGreaterThan(0);
    await again?.release();
    await stuck.release();
    await locker.close();
  });
});

describe("FileLocker: garbage in a record file", () => {
  for (const [what, garbage] of [
    ["a truncated record", '{"lockgateFile":1,"key":"x","version":"2.ab'],
    ["a foreign file", "#!/bin/sh\necho not a lock\n"],
    [
      "a version file whose record inside is not a lock record",
      JSON.stringify({ lockgateFile: 1, key: "x", version: "9.z", value: "{}" }),
    ],
  ] as const) {
    it(`${what}: a clear corrupt-record error, no crash, no grant; removing it frees the lock`, async () => {
      const locks = join(scratch(), "locks");
      const locker = new FileLocker(locks, { leaseTtl: 1_000 });
      const first = await locker.acquire("x");
      await first.release();
      const path = latestVersionFile(locks);
      writeFileSync(path, garbage);
      // The file layer names the file; a bad record inside a good file is named by its key.
      const where = what.startsWith("a version file") ? '"x"' : (path.split("/").at(-1) as string);
      const attempts: (() => Promise<unknown>)[] = [
        () => locker.acquire("x", { timeout: 500 }),
        () => locker.acquire("x", { nonBlocking: true }),
        () => locker.inspect("x"),
      ];
      for (const attempt of attempts) {
        const error = await attempt().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isLockgateError(error, "corrupt-record"), String(error)).toBe(true);
        expect((error as Error).message).toContain(where);
      }
      rmSync(path);
      const again = await locker.acquire("x", { nonBlocking: true });
      expect(again).not.toBeNull();
      await locker.close();
    });
  }
});
