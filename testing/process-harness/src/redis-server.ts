import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./etcd-server.ts";

export interface RedisServerOptions {
  /** requirepass: clients must authenticate (tests that no password is ever printed). */
  readonly password?: string;
}

/**
 * A real redis-server (Debian's) on a free loopback port, in memory only (no RDB or AOF
 * files): a restart (`kill` then `start`, same port) comes back empty, as a Redis without
 * persistence does.
 */
export class RedisServer {
  port = 0;
  readonly #password: string | undefined;
  readonly #dir: string = mkdtempSync(join(tmpdir(), "lockgate-redis-"));
  #process: ChildProcess | undefined;

  constructor(options: RedisServerOptions = {}) {
    this.#password = options.password;
  }

  /** The URL without the password; clients pass it separately. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    // The password goes in a config file, never on a command line that `ps` shows.
    const config = join(this.#dir, "redis.conf");
    writeFileSync(config, this.#password ? `requirepass ${this.#password}\n` : "", { mode: 0o600 });
    this.#process = spawn(
      process.env.REDIS_SERVER_BIN ?? "redis-server",
      [
        config,
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
    await this.kill();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  /** SIGKILL, as in a crash; everything in memory is gone. */
  async kill(): Promise<void> {
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
        // With requirepass, the answer is -NOAUTH: up all the same.
        if (reply.includes("\r\n")) done(reply.startsWith("+PONG") || reply.startsWith("-NOAUTH"));
      });
    });
  }
}
