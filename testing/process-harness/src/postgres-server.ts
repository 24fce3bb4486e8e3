import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./etcd-server.ts";
import { giveTo, unprivilegedUser } from "./unprivileged-user.ts";

/** Where Debian keeps initdb and postgres (not on PATH): the newest /usr/lib/postgresql/N/bin. */
export function postgresBinDir(): string {
  if (process.env.POSTGRES_BIN_DIR) return process.env.POSTGRES_BIN_DIR;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return join(root, versions[0], "bin");
  throw new Error("no PostgreSQL found: apt-get install postgresql (or set POSTGRES_BIN_DIR)");
}

/**
 * A real PostgreSQL (Debian's) in a temporary directory on a free 127.0.0.1 port, with
 * password authentication (scram-sha-256) for the user `lockgate`. `crash()` is an immediate
 * shutdown (crash recovery on the next start); `start()` again comes back on the same data.
 */
export class PostgresServer {
  readonly user = "lockgate";
  /** Generated per server; tests pass it to clients, never in a URL they print. */
  readonly password: string = `pw-${Math.random().toString(36).slice(2)}-secret`;
  port = 0;
  readonly #dir: string = mkdtempSync(join(tmpdir(), "lockgate-postgres-"));
  readonly #runAs = unprivilegedUser();
  #process: ChildProcess | undefined;

  get host(): string {
    return "127.0.0.1";
  }

  /** No password in it. */
  get url(): string {
    return `postgres://${this.user}@127.0.0.1:${this.port}/postgres`;
  }

  get connection(): {
    host: string;
    port: number;
    user: string;
    password: string;
    database: string;
  } {
    return {
      host: "127.0.0.1",
      port: this.port,
      user: this.user,
      password: this.password,
      database: "postgres",
    };
  }

  async start(): Promise<void> {
    const bin = postgresBinDir();
    const data = join(this.#dir, "data");
    if (this.port === 0) {
      this.port = await freePort();
      giveTo(this.#runAs, this.#dir);
      const pwfile = join(this.#dir, "pwfile");
      writeFileSync(pwfile, `${this.password}\n`, { mode: 0o600 });
      giveTo(this.#runAs, pwfile);
      execFileSync(
        join(bin, "initdb"),
        [
          "-D",
          data,
          "-U",
          this.user,
          "--auth=scram-sha-256",
          `--pwfile=${pwfile}`,
          "-E",
          "UTF8",
          "--no-sync",
        ],
        { stdio: ["ignore", "ignore", "pipe"], ...this.#runAs },
      );
      rmSync(pwfile);
    }
    this.#process = spawn(
      join(bin, "postgres"),
      [
        "-D",
        data,
        "-p",
        String(this.port),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        `unix_socket_directories=${this.#dir}`,
        // A killed process keeps what the OS page cache has; only a host crash would lose it.
        "-c",
        "fsync=off",
        "-c",
        "max_connections=200",
      ],
      { stdio: ["ignore", "ignore", "pipe"], ...this.#runAs },
    );
    let stderr = "";
    this.#process.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk).slice(-4_000);
    });
    const started = Date.now();
    while (!(await acceptsConnections(this.port))) {
      if (this.#process.exitCode !== null) throw new Error(`postgres exited: ${stderr}`);
      if (Date.now() - started > 20_000) throw new Error("postgres was not ready in 20 s");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Immediate shutdown (SIGQUIT): no checkpoint, every connection cut, as in a crash. */
  async crash(): Promise<void> {
    const child = this.#process;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGQUIT");
    });
  }

  async stop(): Promise<void> {
    await this.crash();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/**
 * True once the server answers a startup packet with an authentication request ('R'), so
 * this needs no client library. While starting up, it answers with an error ('E') instead.
 */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => {
      const params = Buffer.from("user\0lockgate\0database\0postgres\0\0");
      const packet = Buffer.alloc(8 + params.length);
      packet.writeInt32BE(packet.length, 0);
      packet.writeInt32BE(196_608, 4); // protocol 3.0
      params.copy(packet, 8);
      socket.write(packet);
    });
    socket.once("data", (chunk: Buffer) => done(chunk[0] === 0x52));
  });
}
