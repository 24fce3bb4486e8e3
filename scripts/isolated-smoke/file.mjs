import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileLocker } from "@lockgate/file";

const dir = mkdtempSync(join(tmpdir(), "smoke-file-"));
const a = new FileLocker(dir);
const b = new FileLocker(dir);
const held = await a.acquire("smoke");
if ((await b.acquire("smoke", { nonBlocking: true })) !== null) throw new Error("not exclusive");
const waiting = b.acquire("smoke", { timeout: 5000 });
await held.release();
const next = await waiting;
if (next.fencingToken !== 2) throw new Error(`token ${next.fencingToken}`);
await next.release();
await Promise.all([a.close(), b.close()]);
rmSync(dir, { recursive: true, force: true });
console.log("file ok");
