import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EtcdServer } from "@lockgate/process-harness";
import { afterAll, beforeAll, expect, it } from "vitest";
import { alive, fileAppears, startCli } from "./test-support/cli-process.ts";
import { startServer } from "./test-support/store-backends.ts";

// A lost lease: the store becomes unreachable while a command runs, past the renew deadline.
// The command ignores TERM, so it takes the KILL after the grace; the whole group must be gone
// before a waiting `lockgate run` starts its command. --ttl 3 --kill-grace 0.5: belief ends
// 1.5 s after the last renewal, the group is dead by ~2 s, others may take over after 3 s.
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "lockgate-cli-lost-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function lostLeaseCase(
  label: string,
  env: Record<string, string>,
  storeDown: () => Promise<void> | void,
  storeBack: () => Promise<void> | void,
): Promise<void> {
  const pids = join(dir, `${label}.pids`);
  const started = join(dir, `${label}.started`);
  const holder = startCli(
    [
      "run",
      "lost",
      "--ttl",
      "3",
      "--kill-grace",
      "0.5",
      "-c",
      `trap '' TERM; sleep 60 & echo "$$ $!" > ${pids}; wait`,
    ],
    env,
  );
  const [shell, sleeper] = (await fileAppears(pids)).trim().split(" ").map(Number) as [
    number,
    number,
  ];
  const waiter = startCli(
    ["run", "lost", "--ttl", "3", "--kill-grace", "0.5", "-q", "-c", `date +%s%3N > ${started}`],
    env,
  );
  await waiter.stderrMatching(/^$/, 1_500).catch(() => {}); // let it join the queue
  await storeDown();
  const holderResult = await holder.result;
  const groupGoneBy = Date.now();
  expect(alive(shell)).toBe(false);
  expect(alive(sleeper)).toBe(false);
  expect(holderResult.code).toBe(75);
  expect(holderResult.stderr).toMatch(
    /lost the lock lost: .*stopping the command \(TERM, then KILL after 0\.5s\)/,
  );
  expect(holderResult.stderr).toContain("the command was stopped with KILL [lease-lost]");
  await storeBack();
  expect((await waiter.result).code).toBe(0);
  const waiterStartedAt = Number(readFileSync(started, "utf8"));
  expect(waiterStartedAt).toBeGreaterThan(groupGoneBy);
}

it("lock server stopped (SIGSTOP): the group gets TERM, then KILL, before the next holder starts", async () => {
  const token = `cli-lost-token-${Math.random().toString(36).slice(2)}`;
  const server = startServer(token);
  const url = await server.url;
  try {
    await lostLeaseCase(
      "server",
      { LOCKGATE_STORE: url, LOCKGATE_TOKEN: token },
      () => {
        process.kill(server.pid(), "SIGSTOP");
      },
      () => {
        process.kill(server.pid(), "SIGCONT");
      },
    );
  } finally {
    await server.stop();
  }
}, 60_000);

it("etcd killed and started again on its data: the same, and the waiter gets the lock after", async () => {
  const etcd = new EtcdServer();
  await etcd.start();
  try {
    await lostLeaseCase(
      "etcd",
      { LOCKGATE_STORE: `etcd://127.0.0.1:${etcd.clientPort}/cli-lost/` },
      () => etcd.kill(),
      () => etcd.start(),
    );
  } finally {
    await etcd.stop();
  }
}, 60_000);
