import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeStoreConformance } from "@lockgate/store-conformance/vitest";
import { FileStore } from "./file-store.ts";

const dirs = new Map<FileStore, string>();

// The default (no fsync on Linux) and `durable: true` (an fsync per write, the default
// elsewhere) pass the same contract.
for (const durable of [undefined, true]) {
  describeStoreConformance(durable ? "FileStore, durable" : "FileStore", {
    createStore: () => {
      const dir = mkdtempSync(join(tmpdir(), "lockgate-file-"));
      const store = new FileStore(dir, { pollInterval: 100, ...(durable ? { durable } : {}) });
      dirs.set(store, dir);
      return store;
    },
    destroyStore: async (store) => {
      await store.close?.();
      rmSync(dirs.get(store as FileStore) as string, { recursive: true, force: true });
    },
    capabilities: { watch: "latest", list: true },
  });
}
