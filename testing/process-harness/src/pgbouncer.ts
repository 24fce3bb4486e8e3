import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./etcd-server.ts";
import type { PostgresServer } from "./postgres-server.ts";
import { acceptsConnections } from "./postgres-server.ts";
import { giveTo, unprivilegedUser } from "./unprivileged-user.ts";

/**
 * A real PgBouncer (Debian's) in front of a PostgresServer, in transaction pooling mode: each
 * transaction may run on another server connection, so session state (LISTEN, advisory locks)
 * does not hold. Same user and password as the server.
 */
export class PgBouncer {
  port = 0;
  readonly #dir: string = mkdtempSync(join(tmpdir(), "lockgate-pgbouncer-"));
  readonly #runAs = unprivilegedUser();
  #process: ChildProcess | undefined;

  readonly server: PostgresServer;

  constructor(server: PostgresServer) {
    this.server = server;
  }

  get connection(): PostgresServer["connection"] {
    return { ...this.server.connection, port: this.port };
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    const { user, password, port } = this.server;
    // Passwords live in files readable by the bouncer's user only, never on a command line.
    const users = join(this.#dir, "userlist.txt");
    writeFileSync(users, `"${user}" "${password}"\n`, { mode: 0o600 });
    const config = join(this.#dir, "pgbouncer.ini");
    writeFileSync(
      config,
      [
        "[databases]",
        `postgres = host=127.0.0.1 port=${port} dbname=postgres user=${user} password=${password}`,
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        `listen_port = ${this.port}`,
        "unix_socket_dir =",
        "auth_type = scram-sha-256",
        `auth_file = ${users}`,
        "pool_mode = transaction",
        "default_pool_size = 4",
        "max_client_conn = 200",
        "ignore_startup_parameters = extra_float_digits,options",
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
    giveTo(this.#runAs, this.#dir, users, config);
    this.#process = spawn(process.env.PGBOUNCER_BIN ?? "/usr/sbin/pgbouncer", [config], {
      stdio: ["ignore", "ignore", "pipe"],
      ...this.#runAs,
    });
    let stderr = "";
    this.#process.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk).slice(-4_000);
    });
    const started = Date.now();
    while (!(await acceptsConnections(this.port))) {
      if (this.#process.exitCode !== null) throw new Error(`pgbouncer exited: ${stderr}`);
      if (Date.now() - started > 10_000) throw new Error("pgbouncer was not ready in 10 s");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    const child = this.#process;
    if (child && child.exitCode === null) {
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      });
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
