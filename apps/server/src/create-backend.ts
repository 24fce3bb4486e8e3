import { type LeaseBackend, type LockStore, StoreLeaseBackend } from "@lockgate/core";
import type { StoreConfig } from "./server-config.ts";

/**
 * The lease backend the server runs, over the configured store. Each store's adapter (and its
 * database client) is loaded only when configured.
 */
export async function createBackend(store: StoreConfig): Promise<LeaseBackend> {
  return new StoreLeaseBackend(await openStore(store), { closeStore: true });
}

async function openStore(store: StoreConfig): Promise<LockStore> {
  switch (store.kind) {
    case "memory": {
      const { MemoryStore } = await import("@lockgate/store-memory");
      return new MemoryStore();
    }
    case "file": {
      const { FileStore } = await import("@lockgate/file");
      return new FileStore(store.dir, { staleMs: store.staleMs });
    }
    case "etcd": {
      const { EtcdStore } = await import("@lockgate/store-etcd");
      return new EtcdStore({ hosts: store.endpoints, prefix: store.prefix });
    }
    case "redis": {
      const { RedisStore } = await import("@lockgate/store-redis");
      return new RedisStore({
        url: store.url,
        prefix: store.prefix,
        ...(store.password ? { redisOptions: { password: store.password } } : {}),
      });
    }
    case "postgres": {
      const { PostgresStore } = await import("@lockgate/store-postgres");
      return new PostgresStore({
        connectionString: store.url,
        table: store.table,
        ...(store.password ? { connection: { password: store.password } } : {}),
      });
    }
  }
}
