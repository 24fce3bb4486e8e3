import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";

// The README's scripts, run as they are by sh with `lockgate` on the PATH (from source, as
// `pnpm lockgate` runs it), against a directory store.
const here = import.meta.dirname;
const bin = join(here, "..", "..", "..", "packages", "cli", "src", "bin.ts");
// Absolute, since the scripts run lockgate from the job's own directory.
const tsx = join(here, "..", "node_modules", "tsx", "dist", "loader.mjs");
let dir: string;
let env: NodeJS.ProcessEnv;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "lockgate-example-cli-"));
  writeFileSync(
    join(dir, "lockgate"),
    `#!/bin/sh\nexec "${process.execPath}" --conditions=@lockgate/source --import "${tsx}" "${bin}" "$@"\n`,
  );
  // The steps log when they start and end, so overlap would show.
  for (const step of ["deploy", "migrate"]) {
    writeFileSync(
      join(dir, `${step}.sh`),
      `#!/bin/sh\necho "${step}-start $1" >> log\nsleep 0.5\necho "${step}-end $1" >> log\n`,
    );
    chmodSync(join(dir, `${step}.sh`), 0o755);
  }
  chmodSync(join(dir, "lockgate"), 0o755);
  env = { ...process.env, PATH: `${dir}:${process.env.PATH}`, LOCKGATE_STORE: join(dir, "locks") };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (script: string, arg: string) =>
  new Promise<number | null>((resolve) => {
    const child = spawn("sh", [join(here, script), arg], { cwd: dir, env, stdio: "ignore" });
    child.on("exit", resolve);
  });

it("both scripts are valid sh", () => {
  for (const script of ["deploy-job.sh", "pipeline.sh"])
    execFileSync("sh", ["-n", join(here, script)]);
});

it("two deploy jobs for one environment run one after the other; the pipeline waits its turn", async () => {
  const codes = await Promise.all([
    run("deploy-job.sh", "prod"),
    run("deploy-job.sh", "prod"),
    run("pipeline.sh", "prod"),
  ]);
  expect(codes).toEqual([0, 0, 0]);
  const log = readFileSync(join(dir, "log"), "utf8").trim().split("\n");
  expect(log).toHaveLength(8);
  // Never two at once: every start is followed by its own end before the next start.
  for (let i = 0; i < log.length; i++) {
    const [step, , environment] =
      /^(\w+)-(start|end) (\w+)$/.exec(log[i] as string)?.slice(1) ?? [];
    expect(environment).toBe("prod");
    if (i % 2 === 1) expect(log[i]).toBe(`${step}-end prod`);
    else expect(log[i + 1]).toBe(`${step}-end prod`);
  }
}, 60_000);
