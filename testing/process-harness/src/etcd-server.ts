import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A free TCP port on 127.0.0.1, as the kernel hands it out. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * A real etcd (Debian's etcd-server) on free loopback ports with a temporary data directory,
 * which tests can kill (SIGKILL) and start again on the same data.
 */
export class EtcdServer {
  readonly dataDir: string = mkdtempSync(join(tmpdir(), "lockgate-etcd-"));
  clientPort = 0;
  #peerPort = 0;
  #process: ChildProcess | undefined;

  get endpoint(): string {
    return `http://127.0.0.1:${this.clientPort}`;
  }

  async start(): Promise<void> {
    if (this.clientPort === 0) {
      this.clientPort = await freePort();
      this.#peerPort = await freePort();
    }
    const client = this.endpoint;
    const peer = `http://127.0.0.1:${this.#peerPort}`;
    this.#process = spawn(
      process.env.ETCD_BIN ?? "etcd",
      [
        "--name=lockgate-test",
        `--data-dir=${this.dataDir}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=lockgate-test=${peer}`,
        "--log-level=error",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    this.#process.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk).slice(-4_000);
    });
    await this.#ready(() => stderr);
  }

  /** SIGKILL: no shutdown, as in a crash. */
  async kill(): Promise<void> {
    const child = this.#process;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Ready once etcd's own /health says so (the client port serves it over HTTP). */
  async #ready(stderr: () => string): Promise<void> {
    const started = Date.now();
    for (;;) {
      try {
        const response = await fetch(`${this.endpoint}/health`, {
          signal: AbortSignal.timeout(500),
        });
        if (response.ok && ((await response.json()) as { health?: string }).health === "true")
          return;
      } catch {
        // not listening yet
      }
      if (this.#process?.exitCode !== null) throw new Error(`etcd exited: ${stderr()}`);
      if (Date.now() - started > 20_000) throw new Error("etcd did not become ready in 20 s");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
