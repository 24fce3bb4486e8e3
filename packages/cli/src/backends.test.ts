import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locker } from "@lockgate/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileAppears, runCli, startCli } from "./test-support/cli-process.ts";
import { CLI_BACKENDS, type CliBackend } from "./test-support/store-backends.ts";

// The same real-process cases on every store the CLI reaches, each really started: exit
// statuses, two contending runs, a wait ended by SIGTERM, the split acquire/hold/release flow
// across three processes, and status/inspect/watch.
describe.each(Object.keys(CLI_BACKENDS))("lockgate on %s", (kind) => {
  let store: CliBackend;
  let locker: Locker;
  let dir: string;
  beforeAll(async () => {
    store = await (CLI_BACKENDS[kind] as () => Promise<CliBackend>)();
    locker = await store.locker();
    dir = mkdtempSync(join(tmpdir(), `lockgate-cli-${kind}-`));
  }, 60_000);
  afterAll(async () => {
    await locker?.close();
    await store?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const cli = (args: string[]) => runCli(args, store.env);
  const holders = async (name: string) => (await locker.inspect(name)).holders.length;
  const waiters = async (name: string) => (await locker.inspect(name)).waiters.length;

  it("exits with the command's status, hands it a fencing token, and -n reports busy", async () => {
    const r = await cli([
      "run",
      "codes",
      "--",
      "sh",
      "-c",
      'echo "token=$LOCKGATE_FENCING_TOKEN"; exit 4',
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/^token=[1-9]\d*\n$/);
    const holder = startCli(
      ["run", "codes", "--value", '{"job":"release 1.4.2"}', "--", "sleep", "30"],
      store.env,
    );
    await expect.poll(() => holders("codes"), { timeout: 15_000 }).toBe(1);
    const busy = await cli(["run", "codes", "-n", "-E", "9", "--", "true"]);
    expect([busy.code, busy.stderr]).toEqual([
      9,
      'lockgate: codes is held by {"job":"release 1.4.2"} [busy]\n',
    ]);
    holder.child.kill("SIGTERM");
    expect((await holder.result).code).toBe(143);
    expect(await holders("codes")).toBe(0);
  }, 60_000);

  it("two runs exclude each other; the second runs right after the first", async () => {
    const log = join(dir, "order.log");
    const first = startCli(
      ["run", "order", "-c", `echo start-1 >> ${log}; sleep 1; echo end-1 >> ${log}`],
      store.env,
    );
    await fileAppears(log);
    const second = startCli(
      ["run", "order", "-q", "-c", `echo start-2 >> ${log}; echo end-2 >> ${log}`],
      store.env,
    );
    expect((await first.result).code).toBe(0);
    expect((await second.result).code).toBe(0);
    expect(readFileSync(log, "utf8")).toBe("start-1\nend-1\nstart-2\nend-2\n");
  }, 60_000);

  it("SIGTERM while waiting exits 143 at once and leaves the queue empty", async () => {
    const holder = startCli(["run", "waiting", "--", "sleep", "30"], store.env);
    await expect.poll(() => holders("waiting"), { timeout: 15_000 }).toBe(1);
    const waiter = startCli(["run", "waiting", "-q", "--", "touch", join(dir, "never")], store.env);
    await expect.poll(() => waiters("waiting"), { timeout: 15_000 }).toBe(1);
    waiter.child.kill("SIGTERM");
    expect((await waiter.result).code).toBe(143);
    expect(await waiters("waiting")).toBe(0);
    holder.child.kill("SIGTERM");
    await holder.result;
  }, 60_000);

  it("acquire, hold and release in three processes; a handle whose lease ended says so", async () => {
    const acquired = await cli(["acquire", "pipeline", "--ttl", "3"]);
    expect(acquired.code).toBe(0);
    const handle = acquired.stdout.trim();
    expect(handle).toMatch(/^lgh1\.[A-Za-z0-9_-]+$/);
    const hold = startCli(["hold", handle], store.env);
    await hold.stderrMatching(/holding pipeline \(fencing token \d+\) until killed/);
    // Past the 3 s ttl, the lease is alive only because `hold` renews it.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect((await cli(["run", "pipeline", "-n", "--", "true"])).code).toBe(1);
    hold.child.kill("SIGTERM");
    expect((await hold.result).code).toBe(0);
    expect(await cli(["release", handle])).toMatchObject({ code: 0, stderr: "" });
    expect(await holders("pipeline")).toBe(0);

    // Unheld, the lease runs out; once another process has taken the lock, the handle is lost.
    const unheld = (await cli(["acquire", "pipeline", "--ttl", "2"])).stdout.trim();
    expect((await cli(["run", "pipeline", "-w", "20", "-q", "--", "true"])).code).toBe(0);
    const late = await cli(["release", unheld]);
    expect(late.code).toBe(75);
    expect(late.stderr).toMatch(
      /the lease on pipeline \(fencing token \d+\) had already ended \[lease-lost\]/,
    );
  }, 60_000);

  it("status, inspect and watch show holders and waiters in order, as text and JSON", async () => {
    const holder = startCli(
      ["run", "look/a", "--value", '{"job":"deploy"}', "--", "sleep", "30"],
      store.env,
    );
    await expect.poll(() => holders("look/a"), { timeout: 15_000 }).toBe(1);
    const watch = startCli(["watch", "look/a", "--json"], store.env);
    const waiter = startCli(
      ["run", "look/a", "-q", "--value", '{"job":"next"}', "--", "true"],
      store.env,
    );
    await expect.poll(() => waiters("look/a"), { timeout: 15_000 }).toBe(1);

    const status = await cli(["status", "look/"]);
    expect(status.code).toBe(0);
    const rows = status.stdout.trimEnd().split("\n");
    expect(rows[0]).toMatch(/^NAME\s+STATE\s+MODE\s+FOR\s+TOKEN\s+WHO$/);
    expect(rows[1]).toMatch(/^look\/a\s+held\s+exclusive\s+\d+s\s+\d+\s+\{"job":"deploy"\}$/);
    expect(rows[2]).toMatch(/^\s+waiting 1\s+exclusive\s+\d+s\s+-\s+\{"job":"next"\}$/);
    const json = JSON.parse((await cli(["inspect", "look/a", "--json"])).stdout);
    expect(json.holders.map((h: { value: unknown }) => h.value)).toEqual([{ job: "deploy" }]);
    expect(json.waiters.map((w: { value: unknown }) => w.value)).toEqual([{ job: "next" }]);
    expect((await cli(["inspect", "look/a"])).stdout).toMatch(
      /^look\/a: held \(exclusive\), 1 waiting, last fencing token \d+\n/,
    );

    holder.child.kill("SIGTERM");
    await holder.result;
    expect((await waiter.result).code).toBe(0);
    await expect.poll(() => holders("look/a"), { timeout: 15_000 }).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    watch.child.kill("SIGINT");
    const seen = (await watch.result).stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { holders: { value: unknown }[] });
    const values = seen.map((s) => JSON.stringify(s.holders.map((h) => h.value)));
    // Latest-state watches may skip intermediate states, never the order of those they show.
    expect(values[0]).toBe('[{"job":"deploy"}]');
    expect(values.at(-1)).toBe("[]");
    const nextAt = values.indexOf('[{"job":"next"}]');
    if (nextAt >= 0) expect(nextAt).toBeGreaterThan(0);
  }, 60_000);
});
