import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runMigrationOnce } from "./migrate.ts";

it("the README example runs once at a time and reports the running holder", async () => {
  const dir = mkdtempSync(join(tmpdir(), "example-file-"));
  let release = () => {};
  const first = runMigrationOnce(dir, () => new Promise<void>((resolve) => (release = resolve)));
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(await runMigrationOnce(dir, async () => {})).toMatch(
    /^already running: \{"pid":\d+,"started":"/,
  );
  release();
  expect(await first).toBe("migrated with fencing token 1");
  expect(await runMigrationOnce(dir, async () => {})).toBe("migrated with fencing token 2");
  rmSync(dir, { recursive: true, force: true });
});
