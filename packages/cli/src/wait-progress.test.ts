import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileLocker } from "@lockgate/file";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliArgv, startCli } from "./test-support/cli-process.ts";

// Progress while waiting, driven by the lock's watch: a live line in a real terminal (tmux:
// send nothing, capture the pane), and plain lines when stderr is a pipe.
let dir: string;
let store: string;
let locker: FileLocker;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "lockgate-cli-progress-"));
  store = join(dir, "locks");
  locker = new FileLocker(store);
});
afterAll(async () => {
  await locker.close();
  rmSync(dir, { recursive: true, force: true });
});
const env = () => ({ LOCKGATE_STORE: store });
const waiting = async (name: string) => (await locker.inspect(name)).waiters.length;
const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

describe("lockgate run: progress while waiting", () => {
  it("on a terminal: one live line with the holder, how long, and how many are ahead; cleared when it runs", async () => {
    const socket = `lockgate-test-${process.pid}`;
    const tmux = (...args: string[]) =>
      execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
    const holder = startCli(
      ["run", "tty", "--value", '{"host":"runner-7","job":"release 1.4.2"}', "--", "sleep", "30"],
      env(),
    );
    await expect
      .poll(async () => (await locker.inspect("tty")).holders.length, { timeout: 10_000 })
      .toBe(1);
    const ahead = [1, 2].map(() => startCli(["run", "tty", "-q", "--", "true"], env()));
    await expect.poll(() => waiting("tty"), { timeout: 10_000 }).toBe(2);
    const [node, args] = cliArgv(["run", "tty", "--", "sh", "-c", "echo RAN-IT"]);
    const command = `env LOCKGATE_STORE=${quote(store)} ${[node, ...args].map(quote).join(" ")}; sleep 60`;
    tmux(
      "new-session",
      "-d",
      "-s",
      "w",
      "-x",
      "150",
      "-y",
      "8",
      "-c",
      join(import.meta.dirname, ".."),
      command,
    );
    try {
      const pane = () => tmux("capture-pane", "-p", "-t", "w");
      const line =
        /waiting for tty: held by \{"host":"runner-7","job":"release 1\.4\.2"\} for (\d+)s, 2 ahead of you/;
      await expect.poll(pane, { timeout: 15_000, interval: 100 }).toMatch(line);
      const firstSeconds = Number(line.exec(pane())?.[1]);
      // Redrawn in place: a later second on the same single line.
      await expect
        .poll(() => Number(line.exec(pane())?.[1]), { timeout: 5_000, interval: 200 })
        .toBeGreaterThan(firstSeconds);
      expect(pane().match(/waiting for tty/g)?.length).toBe(1);

      holder.child.kill("SIGTERM");
      await Promise.all(ahead.map((a) => a.result));
      await expect.poll(pane, { timeout: 15_000, interval: 100 }).toContain("RAN-IT");
      expect(pane()).not.toContain("waiting for tty");
    } finally {
      tmux("kill-server");
      holder.child.kill("SIGTERM");
      await holder.result;
    }
  }, 60_000);

  it("in a pipe: a line when the holder changes, with our place", async () => {
    const first = startCli(["run", "pipe", "--value", '{"job":"A"}', "--", "sleep", "30"], env());
    await expect
      .poll(async () => (await locker.inspect("pipe")).holders.length, { timeout: 10_000 })
      .toBe(1);
    const second = startCli(
      ["run", "pipe", "-q", "--value", '{"job":"B"}', "--", "sleep", "1"],
      env(),
    );
    await expect.poll(() => waiting("pipe"), { timeout: 10_000 }).toBe(1);
    const third = startCli(["run", "pipe", "--value", '{"job":"C"}', "--", "true"], env());
    await third.stderrMatching(/held by \{"job":"A"\} for \d+s, 1 ahead of you\n/);
    first.child.kill("SIGTERM");
    await first.result;
    expect((await third.result).code).toBe(0);
    const lines = third.stderr().trimEnd().split("\n");
    expect(lines, third.stderr()).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^lockgate: waiting for pipe: held by \{"job":"A"\} for \d+s, 1 ahead of you$/,
    );
    expect(lines[1]).toMatch(
      /^lockgate: waiting for pipe: held by \{"job":"B"\} for \d+s, next in line$/,
    );
    expect(third.stderr()).not.toContain("\x1b");
    await second.result;
  }, 60_000);
});
