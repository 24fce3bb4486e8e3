import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { finished, lineMatching, type Runtime, startWorker } from "@lockgate/process-harness";

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly exited: ReturnType<typeof finished>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const appDir = join(import.meta.dirname, "..", "..");

/**
 * Starts the real server entry file of `runtime` (or another `entry` that prints the same
 * "listening on" line) on a free port and waits until it listens.
 */
export async function startServerProcess(
  runtime: Runtime,
  args: string[],
  entry: string = join(appDir, "src", "main.ts"),
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const child = startWorker(runtime, entry, ["--port", "0", ...args], { cwd: appDir, env });
  const exited = finished(child);
  const line = await lineMatching(child, /listening on http:\/\//);
  const url = /(http:\/\/[^ ]+)/.exec(line)?.[1] as string;
  return {
    url,
    child,
    exited,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal);
      await exited;
    },
  };
}
