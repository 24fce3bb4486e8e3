import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:net";
import { freePort } from "./etcd-server.ts";

/**
 * A real redis-server (Debian's) on a free loopback port, in memory only (no RDB or AOF
 * files), for the peers benchmarks compare against.
 */
export class RedisServer {
  port = 0;
  #process: ChildProcess | undefined;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    this.#process = spawn(
      process.env.REDIS_SERVER_BIN ?? "redis-server",
      [
        "--bind",
        "127.0.0.1",
        "--port",
        String(this.port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--loglevel",
        "warning",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    this.#process.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk).slice(-4_000);
    });
    const started = Date.now();
    while (!(await this.#pong())) {
      if (this.#process.exitCode !== null) throw new Error(`redis-server exited: ${stderr}`);
      if (Date.now() - started > 10_000) throw new Error("redis-server was not ready in 10 s");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    const child = this.#process;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  }

  /** PING in Redis' inline protocol, so this needs no client library. */
  #pong(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect(this.port, "127.0.0.1");
      let reply = "";
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(500, () => done(false));
      socket.on("error", () => done(false));
      socket.on("connect", () => socket.write("PING\r\n"));
      socket.on("data", (chunk) => {
        reply += chunk;
        if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
      });
    });
  }
}
