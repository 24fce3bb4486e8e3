import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export type Runtime = "node" | "bun" | "deno";

const harnessDir = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Bun and Deno come from npm as this package's dependencies. */
const bin = (name: string) => join(harnessDir, "node_modules", ".bin", name);

/**
 * npm's `deno` command is a Node script that spawns the real binary and does not pass every
 * signal on; tests that send SIGTERM must talk to the real process.
 */
function denoExecutable(): string {
  try {
    const real = join(dirname(createRequire(import.meta.url).resolve("deno/package.json")), "deno");
    if (existsSync(real)) return real;
  } catch {
    // Fall back to the command below.
  }
  return bin("deno");
}

export interface WorkerOptions {
  /** Where the worker resolves packages from (its package directory). */
  readonly cwd: string;
  readonly env?: Record<string, string>;
}

/** Starts a TypeScript worker under `runtime`, resolving workspace packages from their sources. */
export function startWorker(
  runtime: Runtime,
  worker: string,
  args: string[],
  options: WorkerOptions,
): ChildProcess {
  const [command, prefix] =
    runtime === "node"
      ? [process.execPath, ["--conditions=@lockgate/source", "--import", "tsx", worker]]
      : runtime === "bun"
        ? [bin("bun"), ["--conditions=@lockgate/source", worker]]
        : [denoExecutable(), ["run", "--allow-all", "--conditions=@lockgate/source", worker]];
  return spawn(command, [...prefix, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export interface WorkerResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Collects a worker's output; `onLine` sees stdout lines as they come. */
export function finished(
  child: ChildProcess,
  onLine?: (line: string) => void,
): Promise<WorkerResult> {
  let stdout = "";
  let stderr = "";
  let partial = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk;
    partial += chunk;
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) onLine?.(line);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk;
  });
  return new Promise((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Resolves with the first stdout line that matches. */
export function lineMatching(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    const onData = (chunk: Buffer) => {
      buffer += chunk;
      const line = buffer.split("\n").find((l) => pattern.test(l));
      if (line) {
        child.stdout?.off("data", onData);
        resolve(line);
      }
    };
    child.stdout?.on("data", onData);
    child.on("close", () => reject(new Error(`worker ended before printing ${pattern}`)));
  });
}
