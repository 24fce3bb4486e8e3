import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The installed bin, as a user's shell finds it.
const dir = mkdtempSync(join(tmpdir(), "smoke-cli-"));
const lockgate = join("node_modules", ".bin", "lockgate");
const env = { ...process.env, LOCKGATE_STORE: dir };
const out = execFileSync(
  lockgate,
  ["run", "smoke", "--", "sh", "-c", "echo $LOCKGATE_FENCING_TOKEN"],
  { env, encoding: "utf8" },
);
if (out.trim() !== "1") throw new Error(`token ${out}`);
const child = spawnSync(lockgate, ["run", "smoke", "--", "sh", "-c", "exit 3"], { env });
if (child.status !== 3) throw new Error(`exit ${child.status}`);
const bad = spawnSync(lockgate, ["run", "smoke", "--store", "consul://x", "--", "true"], {
  env,
  encoding: "utf8",
});
if (bad.status !== 2 || !bad.stderr.includes("[bad-store-url]"))
  throw new Error(`bad store: ${bad.status} ${bad.stderr}`);
rmSync(dir, { recursive: true, force: true });
console.log("cli ok");
