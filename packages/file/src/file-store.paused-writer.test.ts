import { promises as fsp, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isLockgateError } from "@lockgate/core";
import { afterEach, describe, expect, it } from "vitest";
import { FileStore } from "./file-store.ts";

// A writer stopped past staleMs has its writer lock moved aside, which can let two writers in
// at once. These cases remove a paused writer's lock the way a stale takeover does and check
// that the record's compare-and-swap still holds.

const originalLink = fsp.link;
afterEach(() => {
  fsp.link = originalLink;
});

/** Holds the next link() until `resume()` is called: a writer paused just before committing. */
function pauseNextLink(): { paused: Promise<void>; resume: () => void } {
  let resume = () => {};
  let onPaused = () => {};
  const paused = new Promise<void>((resolve) => {
    onPaused = resolve;
  });
  const gate = new Promise<void>((resolve) => {
    resume = resolve;
  });
  fsp.link = async (...args: Parameters<typeof originalLink>) => {
    fsp.link = originalLink;
    onPaused();
    await gate;
    return originalLink(...args);
  };
  return { paused, resume };
}

async function scenario(laterWrites: number) {
  const dir = mkdtempSync(join(tmpdir(), "lockgate-paused-"));
  const slow = new FileStore(dir, { durable: false });
  const fast = new FileStore(dir, { durable: false });
  const v1 = await fast.put("k", "one", null);
  const pause = pauseNextLink();
  const late = slow.put("k", "from the paused writer", v1).then(
    () => "committed",
    (error: unknown) => (isLockgateError(error, "conflict") ? "conflict" : String(error)),
  );
  await pause.paused;
  // The stale takeover: the paused writer's lock is removed under it.
  const keyDir = (await fsp.readdir(dir)).find((name) => /^[0-9a-f]{64}$/.test(name)) as string;
  rmSync(join(dir, `${keyDir}.lock`), { recursive: true, force: true });
  let version = v1;
  for (let i = 0; i < laterWrites; i++)
    version = (await fast.put("k", `fast ${i}`, version)) as string;
  pause.resume();
  const outcome = await late;
  const final = await fast.get("k");
  rmSync(dir, { recursive: true, force: true });
  return { outcome, final, version };
}

describe("FileStore with a paused writer whose write lock was taken over", () => {
  it("a late commit onto a version another writer already made is refused", async () => {
    const { outcome, final, version } = await scenario(1);
    expect(outcome).toBe("conflict");
    expect(final).toEqual({ value: "fast 0", version });
  });

  it("a late commit into a slot that was made and cleaned up meanwhile is refused too", async () => {
    const { outcome, final, version } = await scenario(3);
    expect(outcome).toBe("conflict");
    expect(final).toEqual({ value: "fast 2", version });
  });
});
