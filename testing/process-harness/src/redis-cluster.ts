import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./etcd-server.ts";

const run = promisify(execFile);

/**
 * A real Redis Cluster of three masters (Debian's redis-server and redis-cli) on free loopback
 * ports, in memory only, the slots spread by `redis-cli --cluster create`.
 */
export class RedisCluster {
  readonly ports: number[] = [];
  readonly #dir: string = mkdtempSync(join(tmpdir(), "lockgate-redis-cluster-"));
  readonly #processes: ChildProcess[] = [];

  /** Where clients start: ioredis finds the other nodes from any one. */
  get nodes(): { host: string; port: number }[] {
    return this.ports.map((port) => ({ host: "127.0.0.1", port }));
  }

  async start(masters = 3): Promise<void> {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      this.ports.push(port);
      const child = spawn(
        process.env.REDIS_SERVER_BIN ?? "redis-server",
        [
          "--bind",
          "127.0.0.1",
          "--port",
          String(port),
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          join(this.#dir, `nodes-${port}.conf`),
          "--dir",
          this.#dir,
          "--save",
          "",
          "--appendonly",
          "no",
          "--loglevel",
          "warning",
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      this.#processes.push(child);
    }
    const cli = process.env.REDIS_CLI_BIN ?? "redis-cli";
    for (const port of this.ports) await waitFor(async () => (await ping(cli, port)) === "PONG");
    await run(cli, [
      "--cluster",
      "create",
      ...this.ports.map((p) => `127.0.0.1:${p}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]);
    for (const port of this.ports) {
      await waitFor(async () => {
        const { stdout } = await run(cli, ["-p", String(port), "cluster", "info"]);
        return stdout.includes("cluster_state:ok");
      });
    }
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.#processes.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGKILL");
          }),
      ),
    );
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

async function ping(cli: string, port: number): Promise<string> {
  try {
    return (await run(cli, ["-p", String(port), "ping"])).stdout.trim();
  } catch {
    return "";
  }
}

async function waitFor(ready: () => Promise<boolean>): Promise<void> {
  const started = Date.now();
  while (!(await ready())) {
    if (Date.now() - started > 20_000) throw new Error("Redis Cluster was not ready in 20 s");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
