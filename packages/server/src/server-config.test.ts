import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, parseServerConfig } from "./server-config.ts";

const token = "a-token-of-sixteen-or-more";

describe("server configuration", () => {
  it("defaults: loopback, lockgate's port, memory store", () => {
    const config = parseServerConfig(["--token", token], {});
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 55589,
      store: { kind: "memory" },
      tokens: [{ name: "token-1", prefixes: [""], role: "write" }],
      goProtocol: true,
    });
    // The secret is kept hashed, and --token is called out for what it shows.
    expect(JSON.stringify(config)).not.toContain(token);
    expect(config.warnings.join("\n")).toMatch(/--token shows in the process list/);
    expect(parseServerConfig([], { LOCKGATE_TOKENS: token }).warnings).toEqual([]);
  });

  it("reads named, scoped tokens from --token-file or LOCKGATE_TOKEN_FILE", () => {
    const dir = mkdtempSync(join(tmpdir(), "lockgate-tokens-"));
    try {
      const file = join(dir, "tokens.json");
      const secret = "team-a-secret-0123456789";
      writeFileSync(
        file,
        JSON.stringify({
          tokens: [
            { name: "team-a", secret, prefixes: ["team-a/"], role: "write" },
            { name: "board", sha256: "a".repeat(64), prefixes: [""], role: "read" },
          ],
        }),
        { mode: 0o600 },
      );
      const config = parseServerConfig(["--token-file", file], {});
      expect(config.tokens.map((t) => [t.name, t.prefixes, t.role])).toEqual([
        ["team-a", ["team-a/"], "write"],
        ["board", [""], "read"],
      ]);
      expect(config.warnings).toEqual([]);
      expect(parseServerConfig([], { LOCKGATE_TOKEN_FILE: file }).tokens).toHaveLength(2);
      chmodSync(file, 0o644);
      expect(parseServerConfig(["--token-file", file], {}).warnings.join()).toMatch(/chmod 600/);
      const refuse = (tokens: unknown, message: RegExp) => {
        writeFileSync(file, JSON.stringify(tokens), { mode: 0o600 });
        expect(() => parseServerConfig(["--token-file", file], {})).toThrow(message);
      };
      refuse({}, /at least one token/);
      refuse(
        { tokens: [{ name: "a", secret: "short", prefixes: [""], role: "write" }] },
        /at least 16/,
      );
      refuse(
        { tokens: [{ name: "a", secret, sha256: "a".repeat(64), prefixes: [""], role: "write" }] },
        /exactly one/,
      );
      refuse(
        { tokens: [{ name: "a", secret, prefixes: "team-a/", role: "write" }] },
        /prefixes must be a list/,
      );
      refuse(
        { tokens: [{ name: "a", secret, prefixes: [""], role: "admin" }] },
        /"read" or "write"/,
      );
      refuse(
        { tokens: [{ name: "a", secret, prefixes: [""], role: "read", extra: 1 }] },
        /unknown field/,
      );
      refuse(
        {
          tokens: [
            { name: "a", secret, prefixes: [""], role: "read" },
            { name: "a", secret: `${secret}x`, prefixes: [""], role: "read" },
          ],
        },
        /used twice/,
      );
      refuse(
        {
          tokens: [
            { name: "a", secret, prefixes: [""], role: "read" },
            { name: "b", secret, prefixes: [""], role: "read" },
          ],
        },
        /same secret/,
      );
      // No message repeats a secret.
      writeFileSync(
        file,
        JSON.stringify({ tokens: [{ name: "a", secret, prefixes: [""], role: "admin" }] }),
      );
      expect(() => parseServerConfig(["--token-file", file], {})).toThrow(ConfigError);
      try {
        parseServerConfig(["--token-file", file], {});
      } catch (error) {
        expect((error as Error).message).not.toContain(secret);
      }
      writeFileSync(file, "{not json", { mode: 0o600 });
      expect(() => parseServerConfig(["--token-file", file], {})).toThrow(/not JSON/);
      expect(() => parseServerConfig(["--token-file", join(dir, "absent")], {})).toThrow(
        /Cannot read/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("heap growth: 30 % by default, 0 for V8's own, from the flag or the environment", () => {
    expect(parseServerConfig(["--no-auth"], {}).heapGrowth).toBe(30);
    expect(parseServerConfig(["--no-auth", "--heap-growth", "0"], {}).heapGrowth).toBe(0);
    expect(parseServerConfig(["--no-auth"], { LOCKGATE_HEAP_GROWTH: "50" }).heapGrowth).toBe(50);
    for (const bad of ["-5", "1.5", "fast", "5000"]) {
      expect(() => parseServerConfig(["--no-auth", `--heap-growth=${bad}`], {})).toThrow(
        /--heap-growth must be an integer from 0 to 1000/,
      );
    }
  });

  it("heap compaction on unless turned off; idle GC after 300 ms unless 0", () => {
    const auth = ["--no-auth"];
    expect(parseServerConfig(auth, {})).toMatchObject({ heapCompact: true, idleGcMs: 300 });
    expect(parseServerConfig([...auth, "--no-heap-compact"], {}).heapCompact).toBe(false);
    expect(parseServerConfig(auth, { LOCKGATE_HEAP_COMPACT: "0" }).heapCompact).toBe(false);
    expect(parseServerConfig(auth, { LOCKGATE_HEAP_COMPACT: "1" }).heapCompact).toBe(true);
    expect(() => parseServerConfig(auth, { LOCKGATE_HEAP_COMPACT: "no" })).toThrow(
      /LOCKGATE_HEAP_COMPACT must be 0 or 1/,
    );
    expect(parseServerConfig([...auth, "--idle-gc-ms", "0"], {}).idleGcMs).toBe(0);
    expect(parseServerConfig(auth, { LOCKGATE_IDLE_GC_MS: "2000" }).idleGcMs).toBe(2_000);
    expect(() => parseServerConfig([...auth, "--idle-gc-ms=-1"], {})).toThrow(
      /--idle-gc-ms must be an integer/,
    );
  });

  it("takes flags after a leading -- (as Deno passes on what npm scripts give it)", () => {
    expect(parseServerConfig(["--", "--no-auth", "--port", "1234"], {}).port).toBe(1234);
  });

  it("takes CORS origins from flags and the environment", () => {
    const config = parseServerConfig(["--no-auth", "--cors-origin", "https://a.example"], {
      LOCKGATE_CORS_ORIGINS: "https://b.example",
    });
    expect(config.corsOrigins).toEqual(["https://a.example", "https://b.example"]);
  });

  it("reads the environment too", () => {
    const config = parseServerConfig([], {
      LOCKGATE_TOKENS: `${token},${token}2`,
      LOCKGATE_STORE: "etcd",
      LOCKGATE_ETCD_ENDPOINTS: "http://10.0.0.1:2379, http://10.0.0.2:2379",
      LOCKGATE_PORT: "8080",
    });
    expect(config.store).toEqual({
      kind: "etcd",
      endpoints: ["http://10.0.0.1:2379", "http://10.0.0.2:2379"],
      prefix: "lockgate/",
    });
    expect(config.port).toBe(8080);
    expect(config.tokens).toHaveLength(2);
  });

  it("redis and postgres stores: URLs without passwords, passwords from files or the environment", () => {
    const dir = mkdtempSync(join(tmpdir(), "lockgate-config-"));
    const file = join(dir, "secret");
    writeFileSync(file, "from-a-file\n", { mode: 0o600 });
    expect(
      parseServerConfig(["--token", token, "--store", "redis", "--redis-password-file", file], {}),
    ).toMatchObject({
      store: {
        kind: "redis",
        url: "redis://127.0.0.1:6379",
        prefix: "lockgate:",
        password: "from-a-file",
      },
    });
    expect(
      parseServerConfig(["--token", token], {
        LOCKGATE_STORE: "redis",
        LOCKGATE_REDIS_URL: "rediss://cache.internal:6380",
        LOCKGATE_REDIS_PASSWORD: "from-the-env",
      }).store,
    ).toEqual({
      kind: "redis",
      url: "rediss://cache.internal:6380",
      prefix: "lockgate:",
      password: "from-the-env",
    });
    expect(
      parseServerConfig(
        [
          "--token",
          token,
          "--store",
          "postgres",
          "--postgres-url",
          "postgres://app@db:5432/app",
          "--postgres-table",
          "ops.locks",
        ],
        {},
      ).store,
    ).toEqual({ kind: "postgres", url: "postgres://app@db:5432/app", table: "ops.locks" });
    rmSync(dir, { recursive: true, force: true });
  });

  it("file store: the directory, the stale period of a writer lock, compaction", () => {
    expect(
      parseServerConfig(["--no-auth", "--store", "file", "--file-dir", "/l"], {}).store,
    ).toEqual({ kind: "file", dir: "/l", staleMs: 10_000, compactEvery: 600_000 });
    expect(
      parseServerConfig(["--no-auth", "--store", "file", "--file-dir", "/l"], {
        LOCKGATE_FILE_STALE_MS: "2500",
        LOCKGATE_FILE_COMPACT_MS: "0",
      }).store,
    ).toEqual({ kind: "file", dir: "/l", staleMs: 2_500, compactEvery: 0 });
    expect(
      parseServerConfig(
        ["--no-auth", "--store", "file", "--file-dir", "/l", "--file-compact-ms", "60000"],
        {},
      ).store,
    ).toMatchObject({ compactEvery: 60_000 });
  });

  it.each([
    [
      ["--no-auth", "--store", "file", "--file-dir", "/l", "--file-stale-ms", "100"],
      /--file-stale-ms must be an integer from 2000/,
    ],
    [["--no-auth", "--host", "0.0.0.0"], /only on a loopback address/],
    [[], /Give --token-file/],
    [["--token", "short"], /at least 16 characters/],
    [["--token", token, "--no-auth"], /not both/],
    [["--no-auth", "--store", "file"], /needs --file-dir/],
    [["--no-auth", "--store", "etcd"], /needs --etcd-endpoints/],
    [["--no-auth", "--store", "etcd", "--etcd-endpoints", "etcd:2379"], /must look like http/],
    [["--no-auth", "--store", "consul"], /memory, file, etcd, redis, postgres or kubernetes/],
    [["--no-auth", "--store", "redis", "--redis-url", "http://r:6379"], /must start with redis:/],
    [
      ["--no-auth", "--store", "redis", "--redis-url", "redis://:hunter2@r:6379"],
      /must not contain a password.*LOCKGATE_REDIS_PASSWORD/,
    ],
    [["--no-auth", "--store", "postgres"], /needs --postgres-url/],
    [
      ["--no-auth", "--store", "postgres", "--postgres-url", "postgres://u:hunter2@db/app"],
      /must not contain a password.*PGPASSWORD/,
    ],
    [
      [
        "--no-auth",
        "--store",
        "postgres",
        "--postgres-url",
        "postgres://u@db/app",
        "--postgres-table",
        "Locks;drop",
      ],
      /lower-case SQL identifier/,
    ],
    [
      ["--no-auth", "--store", "redis", "--redis-password-file", "/nonexistent/secret"],
      /--redis-password-file \/nonexistent\/secret: ENOENT/,
    ],
    [["--no-auth", "--port", "99999"], /--port must be an integer/],
    [["--no-auth", "--bogus"], /Unknown option/],
    [["--no-auth", "--cors-origin", "app.example.com"], /must look like https/],
  ])("refuses %j", (argv, message) => {
    expect(() => parseServerConfig(argv, {})).toThrow(ConfigError);
    expect(() => parseServerConfig(argv, {})).toThrow(message);
  });
});
