import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locker } from "@lockgate/core";
import { configMaps, startKubeApiStandIn } from "@lockgate/kube-api-standin";
import {
  EtcdServer,
  finished,
  lineMatching,
  PostgresServer,
  RedisServer,
  startWorker,
} from "@lockgate/process-harness";
import { openLocker } from "../open-locker.ts";
import { parseStoreUrl } from "../store-url.ts";

/** A store the CLI is tested on: the env its processes get, and an in-test locker on it. */
export interface CliBackend {
  readonly env: Record<string, string>;
  locker(): Promise<Locker>;
  stop(): Promise<void>;
}

const repo = join(import.meta.dirname, "..", "..", "..", "..");

function backend(env: Record<string, string>, stop: () => Promise<void>): CliBackend {
  return {
    env,
    locker: () =>
      openLocker(
        parseStoreUrl(env.LOCKGATE_STORE as string),
        {},
        { env: { ...process.env, ...env } },
      ),
    stop,
  };
}

/** Each backend really started: a directory, the lock server as a process, etcd, the Kubernetes
 * API stand-in, Redis and PostgreSQL, each on free loopback ports with temporary data. */
export const CLI_BACKENDS: Record<string, () => Promise<CliBackend>> = {
  file: async () => {
    const dir = mkdtempSync(join(tmpdir(), "lockgate-cli-file-"));
    return backend({ LOCKGATE_STORE: `file://${dir}` }, async () =>
      rmSync(dir, { recursive: true, force: true }),
    );
  },
  server: async () => {
    const token = `cli-test-token-${Math.random().toString(36).slice(2)}`;
    const server = startServer(token);
    const url = await server.url;
    return backend({ LOCKGATE_STORE: url, LOCKGATE_TOKEN: token }, server.stop);
  },
  etcd: async () => {
    const etcd = new EtcdServer();
    await etcd.start();
    return backend({ LOCKGATE_STORE: `etcd://127.0.0.1:${etcd.clientPort}/cli-test/` }, () =>
      etcd.stop(),
    );
  },
  kubernetes: async () => {
    const standIn = await startKubeApiStandIn();
    standIn.create(configMaps, { name: "deploy-locks", namespace: "ci" });
    const dir = mkdtempSync(join(tmpdir(), "lockgate-cli-k8s-"));
    const kubeconfig = join(dir, "kubeconfig");
    writeFileSync(kubeconfig, standIn.kubeconfig(), { mode: 0o600 });
    const env = {
      LOCKGATE_STORE: "kubernetes://ci/configmaps/deploy-locks",
      KUBECONFIG: kubeconfig,
    };
    return {
      ...backend(env, async () => {
        await standIn.close();
        rmSync(dir, { recursive: true, force: true });
      }),
      // The in-test locker reads KUBECONFIG like the CLI does.
      locker: async () => {
        const previous = process.env.KUBECONFIG;
        process.env.KUBECONFIG = kubeconfig;
        try {
          return await openLocker(parseStoreUrl(env.LOCKGATE_STORE), {}, { env: process.env });
        } finally {
          if (previous === undefined) delete process.env.KUBECONFIG;
          else process.env.KUBECONFIG = previous;
        }
      },
    };
  },
  redis: async () => {
    const password = `redis-pw-${Math.random().toString(36).slice(2)}`;
    const redis = new RedisServer({ password });
    await redis.start();
    return backend(
      { LOCKGATE_STORE: `${redis.url}?prefix=cli-test:`, LOCKGATE_REDIS_PASSWORD: password },
      () => redis.stop(),
    );
  },
  postgres: async () => {
    const postgres = new PostgresServer();
    await postgres.start();
    return backend(
      { LOCKGATE_STORE: `${postgres.url}?table=cli_locks`, PGPASSWORD: postgres.password },
      () => postgres.stop(),
    );
  },
};

/** The lock server's Node entry as a process, with a token from its environment. */
export function startServer(
  token: string,
  port = 0,
): { url: Promise<string>; stop(): Promise<void>; pid(): number } {
  const appDir = join(repo, "packages", "server");
  const child = startWorker("node", join(appDir, "src", "main.ts"), ["--port", String(port)], {
    cwd: appDir,
    env: { LOCKGATE_TOKENS: token },
  });
  const exited = finished(child);
  const url = lineMatching(child, /listening on http:\/\//).then(
    (line) => /(http:\/\/[^ ]+)/.exec(line)?.[1] as string,
  );
  return {
    url,
    pid: () => child.pid as number,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill("SIGCONT");
        child.kill("SIGTERM");
      }
      await exited;
    },
  };
}
