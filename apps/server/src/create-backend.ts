import { type LeaseBackend, StoreLeaseBackend } from "@lockgate/core";
import { FileStore } from "@lockgate/file";
import { EtcdStore } from "@lockgate/store-etcd";
import { MemoryStore } from "@lockgate/store-memory";
import type { StoreConfig } from "./server-config.ts";

/** The lease backend the server runs, over the configured store. */
export function createBackend(store: StoreConfig): LeaseBackend {
  const lockStore =
    store.kind === "memory"
      ? new MemoryStore()
      : store.kind === "file"
        ? new FileStore(store.dir, { staleMs: store.staleMs })
        : new EtcdStore({ hosts: store.endpoints, prefix: store.prefix });
  return new StoreLeaseBackend(lockStore, { closeStore: true });
}
