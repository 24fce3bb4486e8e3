// A FileStore writer that takes a key's writer lock and then hangs just before committing (its
// link() never returns), printing "locked": a process to SIGKILL or SIGSTOP mid-write.
// Args: store directory, key.
import { promises as fsp } from "node:fs";
import process from "node:process";
import { FileStore } from "../file-store.ts";

const [dir = "", key = "k"] = process.argv.slice(2);
// Stay alive while stuck: with nothing pending Node would exit, which is not the crash this
// worker stands for.
setInterval(() => {}, 1_000);
const store = new FileStore(dir, { durable: false });
// Commits go through fsp.link once it is replaced (the store's own hook for paused writers).
fsp.link = () => {
  process.stdout.write("locked\n");
  return new Promise<void>(() => {});
};
const { version } = await store.get(key);
await store.put(key, "from the stuck writer", version);
