import { createLocker } from "@lockgate/core";
import { MemoryStore } from "@lockgate/store-memory";

const locker = createLocker(new MemoryStore());
const a = await locker.acquire("smoke", { shared: true });
const b = await locker.acquire("smoke", { shared: true });
const info = await locker.inspect("smoke");
if (info.holders.length !== 2) throw new Error("expected two shared holders");
await Promise.all([a.release(), b.release()]);
await locker.close();
console.log("store-memory ok");
