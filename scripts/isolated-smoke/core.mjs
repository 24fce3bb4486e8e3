// Runs in an empty project where only @lockgate/core is installed.
import { createLocker, isLockgateError, LockgateError } from "@lockgate/core";

const values = new Map();
let version = 0;
const store = {
  capabilities: { watch: false, list: false },
  async get(key) {
    return values.get(key) ?? { value: null, version: null };
  },
  async put(key, value, expected) {
    if ((values.get(key)?.version ?? null) !== expected)
      throw new LockgateError("conflict", "stale");
    values.set(key, { value, version: String(++version) });
    return String(version);
  },
};
const locker = createLocker(store, { pollInterval: 10 });
const lock = await locker.acquire("smoke");
if (lock.fencingToken !== 1) throw new Error(`token ${lock.fencingToken}`);
if ((await locker.acquire("smoke", { nonBlocking: true })) !== null)
  throw new Error("not exclusive");
await lock.release();
if (!isLockgateError(new LockgateError("busy", "x"), "busy")) throw new Error("brand");
await locker.close();
console.log("core ok");
