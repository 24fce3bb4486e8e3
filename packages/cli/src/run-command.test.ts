import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileLocker } from "@lockgate/file";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alive, fileAppears, runCli, startCli } from "./test-support/cli-process.ts";

// `lockgate run` as real processes on the file store: exit statuses, signals through process
// groups, and what is left behind (nothing). Every backend's contention and split steps are in
// backends.test.ts; the lost lease is in lost-lease.test.ts.
let dir: string;
let env: Record<string, string>;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "lockgate-cli-run-"));
  env = { LOCKGATE_STORE: join(dir, "locks") };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const inspect = async (name: string) => {
  const locker = new FileLocker(join(dir, "locks"));
  try {
    return await locker.inspect(name);
  } finally {
    await locker.close();
  }
};

describe("lockgate run: exit statuses", () => {
  it("is the command's own, and the command sees the lock in its environment", async () => {
    const r = await runCli(
      [
        "run",
        "exit/own",
        "--",
        "sh",
        "-c",
        'echo "$LOCKGATE_LOCK_NAME $LOCKGATE_FENCING_TOKEN $LOCKGATE_LEASE_ID"; exit 3',
      ],
      env,
    );
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^exit\/own 1 [0-9a-f-]{36}\n$/);
    expect((await inspect("exit/own")).holders).toEqual([]);
  });

  it("is 128+n when the command dies of signal n; -c runs a shell command", async () => {
    expect((await runCli(["run", "exit/signal", "-c", "kill -TERM $$"], env)).code).toBe(143);
  });

  it("busy: -n exits 1, or the -E code, naming the holder; -w times out the same way", async () => {
    const holder = startCli(
      ["run", "exit/busy", "--value", '{"job":"release 1.4.2"}', "--", "sleep", "30"],
      env,
    );
    await expect
      .poll(async () => (await inspect("exit/busy")).holders.length, { timeout: 10_000 })
      .toBe(1);
    const busy = await runCli(["run", "-n", "exit/busy", "--", "true"], env);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain('lockgate: exit/busy is held by {"job":"release 1.4.2"} [busy]');
    expect((await runCli(["run", "exit/busy", "-n", "-E", "7", "--", "true"], env)).code).toBe(7);
    const timedOut = await runCli(["run", "exit/busy", "-w", "0.5", "-q", "--", "true"], env);
    expect(timedOut.code).toBe(1);
    expect(timedOut.stderr).toMatch(/Timed out after 500 ms .*\[timeout\]/);
    expect((await inspect("exit/busy")).waiters).toEqual([]);
    holder.child.kill("SIGTERM");
    expect((await holder.result).code).toBe(143);
  });

  it.each([
    [["run"], /run needs a lock NAME \[usage\]/],
    [["run", "x"], /run needs a command \[usage\]/],
    [["run", "x", "-w", "soon", "--", "true"], /--timeout must be a number of seconds/],
    [["run", "x", "--bogus", "--", "true"], /unknown option --bogus/],
    [["run", "x", "--value", "{not json", "--", "true"], /--value must be JSON/],
    [["run", "x", "--ttl", "1", "--", "true"], /--ttl 1s leaves no time to stop the command/],
    [
      ["run", "x", "--store", "ftp://host/x", "--", "true"],
      /unknown store scheme ftp:\/\/ \[bad-store-url\]/,
    ],
    [
      ["run", "x", "--store", "redis://:hunter2@h:6379", "--", "true"],
      /must not contain the Redis password/,
    ],
    [["nonsense"], /unknown command "nonsense"/],
  ])("bad usage %j exits 2 with what to fix", async (args, message) => {
    const r = await runCli(args as string[], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain("hunter2");
  });

  it("a kubernetes:// store without a cluster exits 2, saying where a kubeconfig comes from", async () => {
    const r = await runCli(
      ["run", "x", "--store", "kubernetes://ci/configmaps/locks", "--", "true"],
      {
        ...env,
        KUBECONFIG: "/dev/null",
      },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\[no-kubeconfig\]/);
    expect(r.stderr).toContain("set KUBECONFIG, or run in a pod with a service account");
  });

  it("a command that cannot be found exits 127 and leaves the lock free", async () => {
    const r = await runCli(["run", "exit/missing", "--", "no-such-command-here"], env);
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/cannot run no-such-command-here: not found \[not-found\]/);
    expect((await inspect("exit/missing")).holders).toEqual([]);
  });
});

describe("lockgate run: signals and process groups", () => {
  it("SIGTERM reaches a grandchild of a shell, and nothing is left running", async () => {
    const pidFile = join(dir, "grandchild.pid");
    const run = startCli(
      ["run", "signals/tree", "-c", `sleep 60 & echo $! > ${pidFile}; wait`],
      env,
    );
    const pid = Number(await fileAppears(pidFile));
    expect(alive(pid)).toBe(true);
    run.child.kill("SIGTERM");
    const r = await run.result;
    expect(r.code).toBe(143);
    expect(alive(pid)).toBe(false);
    expect((await inspect("signals/tree")).holders).toEqual([]);
  });

  it("SIGTERM while waiting ends the wait at once, starts nothing and leaves no queue place", async () => {
    const marker = join(dir, "never-started");
    const holder = startCli(["run", "signals/wait", "--", "sleep", "30"], env);
    await expect
      .poll(async () => (await inspect("signals/wait")).holders.length, { timeout: 10_000 })
      .toBe(1);
    const waiter = startCli(["run", "signals/wait", "-c", `touch ${marker}`], env);
    await expect
      .poll(async () => (await inspect("signals/wait")).waiters.length, { timeout: 10_000 })
      .toBe(1);
    waiter.child.kill("SIGTERM");
    expect((await waiter.result).code).toBe(143);
    const after = await inspect("signals/wait");
    expect(after.waiters).toEqual([]);
    expect(after.holders.length).toBe(1);
    holder.child.kill("SIGINT");
    expect((await holder.result).code).toBe(130);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(existsSync(marker)).toBe(false);
  });

  it("a process the command left behind is stopped before the lock is released", async () => {
    const pidFile = join(dir, "orphan.pid");
    const r = await runCli(["run", "signals/orphan", "-c", `sleep 60 & echo $! > ${pidFile}`], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("left processes running in its group; stopping them");
    expect(alive(Number(await fileAppears(pidFile)))).toBe(false);
  });

  it("runs the command in its own process group, or in lockgate's with --no-new-group", async () => {
    // Prints the command's own pid, its group, and its parent's (lockgate's) group.
    const script = 'echo "$$ $(ps -o pgid= -p $$) $(ps -o pgid= -p $PPID)"';
    const own = (await runCli(["run", "groups/own", "-c", script], env)).stdout.trim().split(/\s+/);
    expect(own[1]).toBe(own[0]);
    expect(own[1]).not.toBe(own[2]);
    const shared = (
      await runCli(["run", "groups/shared", "--no-new-group", "-c", script], env)
    ).stdout
      .trim()
      .split(/\s+/);
    expect(shared[1]).toBe(shared[2]);
    expect(shared[1]).not.toBe(shared[0]);
  });

  it("two runs exclude each other, and the second starts as soon as the first ends", async () => {
    const log = join(dir, "order.log");
    const first = startCli(
      ["run", "order/x", "-c", `echo start-1 >> ${log}; sleep 1; echo end-1 >> ${log}`],
      env,
    );
    await fileAppears(log);
    const second = startCli(
      ["run", "order/x", "-c", `echo start-2 >> ${log}; echo end-2 >> ${log}`],
      env,
    );
    expect((await first.result).code).toBe(0);
    expect((await second.result).code).toBe(0);
    expect((await fileAppears(log)).split("\n").filter(Boolean)).toEqual([
      "start-1",
      "end-1",
      "start-2",
      "end-2",
    ]);
  });
});

describe("lockgate run: semaphores and hold limits", () => {
  it("--limit 2 runs two at a time, and a run with another limit is refused", async () => {
    const log = join(dir, "limit.log");
    const job = () =>
      startCli(
        [
          "run",
          "limit/x",
          "--limit",
          "2",
          "-q",
          "-c",
          `echo + >> ${log}; sleep 0.8; echo - >> ${log}`,
        ],
        env,
      );
    const jobs = [job(), job(), job()];
    await expect
      .poll(async () => (await inspect("limit/x")).holders.length, { timeout: 10_000 })
      .toBe(2);
    const other = await runCli(["run", "limit/x", "--limit", "3", "-n", "--", "true"], env);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(
      /is a semaphore of limit 2 .* asked for a semaphore of limit 3\. .*\[invalid-argument\]/,
    );
    expect((await Promise.all(jobs.map((j) => j.result))).map((r) => r.code)).toEqual([0, 0, 0]);
    let inside = 0;
    let most = 0;
    for (const line of (await fileAppears(log)).trim().split("\n")) {
      inside += line === "+" ? 1 : -1;
      most = Math.max(most, inside);
    }
    expect(most).toBe(2);
  }, 60_000);

  it("--max-hold stops a command that holds too long, TERM then KILL, and exits 75", async () => {
    const pidFile = join(dir, "hung.pid");
    const started = Date.now();
    const r = await runCli(
      [
        "run",
        "hold/hung",
        "--max-hold",
        "1",
        "--kill-grace",
        "0.3",
        "--ttl",
        "3",
        "-c",
        `trap '' TERM; sleep 30 & echo $! > ${pidFile}; wait`,
      ],
      env,
    );
    expect(r.code).toBe(75);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(r.stderr).toMatch(
      /held the lock hold\/hung: .*maxHold of 1000 ms.*stopping the command/,
    );
    expect(r.stderr).toContain("the command was stopped with KILL [max-hold]");
    expect(alive(Number(await fileAppears(pidFile)))).toBe(false);
  }, 30_000);
});
