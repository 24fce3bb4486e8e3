import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isLockgateError } from "@lockgate/core";
import { afterEach, describe, expect, it } from "vitest";
import { FileLocker } from "./file-locker.ts";
import { FileStore } from "./file-store.ts";
import { bootedAt, thisWriter } from "./this-boot.ts";
import { versionSeq } from "./version-file.ts";

// Records are written without fsync (as flock and proper-lockfile keep nothing on disk at all),
// so a power cut can lose the last writes or leave the newest version file empty. What this
// must never cost: a token issued again after the reboot, or a lock stuck on a torn file.
// A power cut cannot be had in a test; what it leaves on disk can: a newest version file of
// another boot, or one that is empty or zeros and older than this boot.

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const SPAN = 2 ** 32;

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "lockgate-power-cut-"));
  dirs.push(dir);
  return dir;
}

/** The newest version file of the only key in `dir`. */
function newestVersionFile(dir: string): string {
  const keyDir = readdirSync(dir).find((name) => /^[0-9a-f]{64}$/.test(name)) as string;
  const names = readdirSync(join(dir, keyDir)).filter((n) => versionSeq(n) !== undefined);
  return join(dir, keyDir, names.sort().at(-1) as string);
}

/** Rewrites the newest version file as if a process of an earlier boot had written it. */
function fromAnEarlierBoot(dir: string): void {
  const path = newestVersionFile(dir);
  const file = JSON.parse(readFileSync(path, "utf8"));
  writeFileSync(
    path,
    JSON.stringify({ ...file, writer: { ...file.writer, boot: "an-earlier-boot" } }),
  );
}

/** Leaves what a power cut can leave of the newest version file: its name, no data. */
function tornByAPowerCut(dir: string, content: string): void {
  const path = newestVersionFile(dir);
  writeFileSync(path, content);
  const before = ((bootedAt as number) - 60_000) / 1_000;
  utimesSync(path, before, before);
}

describe.runIf(thisWriter !== undefined && bootedAt !== undefined)(
  "FileStore after a power cut (records written without fsync)",
  () => {
    it("a record of an earlier boot goes on above that boot's floor: every later token is greater", async () => {
      const dir = scratch();
      const before = new FileLocker(dir);
      for (let i = 0; i < 3; i++) await (await before.acquire("job")).release();
      await before.close();
      fromAnEarlierBoot(dir);
      // A process of the new boot: it remembers nothing.
      const locker = new FileLocker(dir);
      const lock = await locker.acquire("job");
      expect(lock.fencingToken).toBe(SPAN + 1);
      await lock.release();
      expect(JSON.parse(readFileSync(join(dir, ".boot-epoch"), "utf8"))).toEqual({
        boot: thisWriter?.boot,
        epoch: 1,
      });
      // Written in this boot now: no floor any more, and the epoch is counted once per boot.
      const again = new FileLocker(dir);
      const next = await again.acquire("job");
      expect(next.fencingToken).toBe(SPAN + 2);
      await next.release();
      await again.close();
      await locker.close();
    });

    it("each boot's floor is above the last: the epoch counts boots in which it was needed", async () => {
      const dir = scratch();
      writeFileSync(
        join(dir, ".boot-epoch"),
        JSON.stringify({ boot: "an-earlier-boot", epoch: 3 }),
      );
      const before = new FileLocker(dir);
      await (await before.acquire("job")).release();
      await before.close();
      fromAnEarlierBoot(dir);
      const locker = new FileLocker(dir);
      const lock = await locker.acquire("job");
      expect(lock.fencingToken).toBe(4 * SPAN + 1);
      await locker.close();
    });

    it.each([
      ["empty", ""],
      ["zeros", "\0".repeat(180)],
    ])(
      "a newest version file left %s by a power cut reads as free, above the floor",
      async (_, torn) => {
        const dir = scratch();
        const before = new FileLocker(dir);
        const held = await before.acquire("job");
        const lost = held.fencingToken;
        held.detach();
        await before.close();
        tornByAPowerCut(dir, torn);
        const store = new FileStore(dir);
        expect(await store.get("job")).toEqual({ value: null, version: null, floor: SPAN });
        await store.close();
        // Its holder was of the earlier boot: the lock is free at once, with a greater token.
        const locker = new FileLocker(dir);
        const lock = await locker.acquire("job", { nonBlocking: true });
        expect(lock?.fencingToken).toBeGreaterThan(lost);
        expect(lock?.fencingToken).toBe(SPAN + 1);
        await lock?.release();
        await locker.close();
      },
    );

    it("an empty version file written in this boot is not debris: nothing is granted from it", async () => {
      const dir = scratch();
      const locker = new FileLocker(dir);
      await (await locker.acquire("job")).release();
      writeFileSync(newestVersionFile(dir), "");
      const error = await locker.acquire("job").catch((e: unknown) => e);
      expect(isLockgateError(error, "corrupt-record")).toBe(true);
      await locker.close();
    });
  },
);
