import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const packageDir = join(import.meta.dirname, "..", "..");
export const BIN: string = join(packageDir, "src", "bin.ts");

/** The argv that runs the CLI from source, as `pnpm lockgate` does. */
export function cliArgv(args: readonly string[]): [string, string[]] {
  return [process.execPath, ["--conditions=@lockgate/source", "--import", "tsx", BIN, ...args]];
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliProcess {
  readonly child: ChildProcess;
  readonly result: Promise<CliResult>;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves once stderr contains `pattern` (rejects if the process ends first). */
  stderrMatching(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/** Starts `lockgate ARGS` as a real process, with the store in LOCKGATE_STORE. */
export function startCli(args: readonly string[], env: Record<string, string> = {}): CliProcess {
  const [command, argv] = cliArgv(args);
  const child = spawn(command, argv, {
    cwd: packageDir,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const waiters: (() => void)[] = [];
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk;
    for (const w of waiters) w();
  });
  const result = new Promise<CliResult>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    result,
    stderr: () => stderr,
    stderrMatching: (pattern, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stderr);
          if (match) resolve(match[0]);
        };
        waiters.push(check);
        check();
        const timer = setTimeout(
          () => reject(new Error(`no ${pattern} on stderr within ${timeoutMs} ms:\n${stderr}`)),
          timeoutMs,
        );
        void result.then(() => {
          clearTimeout(timer);
          check();
          reject(new Error(`lockgate ended without ${pattern} on stderr:\n${stderr}`));
        });
      }),
  };
}

export function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  return startCli(args, env).result;
}

/** Resolves once `file` exists (a marker a child command writes). */
export async function fileAppears(file: string, timeoutMs = 20_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > until) throw new Error(`${file} did not appear within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
  return readFileSync(file, "utf8");
}

/** Whether a process with this pid is alive (and not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}
