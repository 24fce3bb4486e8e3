import { readFileSync } from "node:fs";
import type { Locker, LockerOptions } from "@lockgate/core";
import { CliError } from "./cli-error.ts";
import { EXIT } from "./exit-codes.ts";
import type { StoreTarget } from "./store-url.ts";

export interface Secrets {
  /** `--token-file` (lock server) or `--password-file` (etcd, Redis, PostgreSQL). */
  readonly tokenFile?: string;
  readonly passwordFile?: string;
  readonly env: NodeJS.ProcessEnv;
}

/** Reads a secret from a file (trailing newline dropped), or the environment; never from argv. */
function secret(
  file: string | undefined,
  flag: string,
  env: string | undefined,
): string | undefined {
  if (file === undefined) return env === "" ? undefined : env;
  try {
    return readFileSync(file, "utf8").replace(/\r?\n$/, "");
  } catch (error) {
    throw new CliError(
      "bad-secret-file",
      `${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      EXIT.usage,
      "the file must exist and be readable by this user",
    );
  }
}

/**
 * The Locker for a store. Each adapter (and its database client) is imported only when its
 * store is used, so `lockgate` on a directory never loads gRPC or the Kubernetes client.
 */
export async function openLocker(
  target: StoreTarget,
  timings: LockerOptions,
  secrets: Secrets,
): Promise<Locker> {
  const { env } = secrets;
  switch (target.kind) {
    case "file": {
      const { FileLocker } = await import("@lockgate/file");
      return new FileLocker(target.dir, timings);
    }
    case "http": {
      const { HttpLocker } = await import("@lockgate/http-client");
      const token = secret(secrets.tokenFile, "--token-file", env.LOCKGATE_TOKEN);
      return new HttpLocker(target.url, { ...timings, ...(token ? { token } : {}) });
    }
    case "etcd": {
      const { EtcdLocker } = await import("@lockgate/store-etcd");
      const password = secret(secrets.passwordFile, "--password-file", env.LOCKGATE_ETCD_PASSWORD);
      if (target.username !== undefined && password === undefined) {
        throw new CliError(
          "missing-password",
          `etcd user ${target.username} needs a password`,
          EXIT.usage,
          "set LOCKGATE_ETCD_PASSWORD or pass --password-file",
        );
      }
      return new EtcdLocker({
        ...timings,
        hosts: [...target.hosts],
        prefix: target.prefix,
        ...(target.username === undefined
          ? {}
          : { auth: { username: target.username, password: password as string } }),
      });
    }
    case "kubernetes": {
      const { KubernetesLocker, loadClusterConfig, NO_CLUSTER_HINT } = await import(
        "@lockgate/kubernetes"
      );
      let kubeConfig: ReturnType<typeof loadClusterConfig>;
      try {
        kubeConfig = loadClusterConfig(target.context);
      } catch (error) {
        throw new CliError("no-kubeconfig", (error as Error).message, EXIT.usage, NO_CLUSTER_HINT);
      }
      return new KubernetesLocker({ ...timings, object: target.object, kubeConfig });
    }
    case "redis": {
      const { RedisLocker } = await import("@lockgate/store-redis");
      const password = secret(secrets.passwordFile, "--password-file", env.LOCKGATE_REDIS_PASSWORD);
      return new RedisLocker({
        ...timings,
        url: target.url,
        ...(target.prefix === undefined ? {} : { prefix: target.prefix }),
        ...(password === undefined ? {} : { redisOptions: { password } }),
      });
    }
    case "postgres": {
      const { PostgresLocker } = await import("@lockgate/store-postgres");
      // pg would read PGPASSWORD itself, but from process.env; the CLI's env is the one given.
      const password = secret(secrets.passwordFile, "--password-file", env.PGPASSWORD);
      return new PostgresLocker({
        ...timings,
        connectionString: target.url,
        ...(target.table === undefined ? {} : { table: target.table }),
        ...(password === undefined ? {} : { connection: { password } }),
      });
    }
  }
}
