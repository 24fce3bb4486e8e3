import { type LeaseBackend, type LockStore, StoreLeaseBackend } from "@lockgate/core";
import { ConfigError, type StoreConfig } from "./server-config.ts";

/**
 * The lease backend the server runs, over the configured store. Each store's adapter (and its
 * database client) is loaded only when configured.
 */
export async function createBackend(store: StoreConfig): Promise<LeaseBackend> {
  if (store.kind === "kubernetes") return await kubernetesBackend(store);
  return new StoreLeaseBackend(await openStore(store), { closeStore: true });
}

/**
 * Records in Go lockgate's format on the object, as KubernetesLocker writes them: Go processes
 * locking the same object directly, and other instances of this server, share every lock.
 */
async function kubernetesBackend(
  store: Extract<StoreConfig, { kind: "kubernetes" }>,
): Promise<LeaseBackend> {
  const { createKubernetesLeaseBackend, loadClusterConfig, NO_CLUSTER_HINT, parseObjectPath } =
    await import("@lockgate/kubernetes");
  let kubeConfig: ReturnType<typeof loadClusterConfig>;
  try {
    kubeConfig = loadClusterConfig(store.context);
  } catch (error) {
    throw new ConfigError(`--store kubernetes: ${(error as Error).message}: ${NO_CLUSTER_HINT}`);
  }
  const context = kubeConfig.getContextObject(kubeConfig.getCurrentContext());
  let object: ReturnType<typeof parseObjectPath>;
  try {
    object = parseObjectPath(store.object, context?.namespace ?? "default");
  } catch (error) {
    throw new ConfigError(`--kube-object: ${(error as Error).message}`);
  }
  return createKubernetesLeaseBackend({ object, kubeConfig }).backend;
}

async function openStore(store: Exclude<StoreConfig, { kind: "kubernetes" }>): Promise<LockStore> {
  switch (store.kind) {
    case "memory": {
      const { MemoryStore } = await import("@lockgate/store-memory");
      return new MemoryStore();
    }
    case "file": {
      const { FileStore } = await import("@lockgate/file");
      return new FileStore(store.dir, {
        staleMs: store.staleMs,
        ...(store.compactEvery === undefined ? {} : { compactEvery: store.compactEvery }),
      });
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
