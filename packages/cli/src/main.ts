import { readFileSync } from "node:fs";
import { usageError } from "./cli-error.ts";
import { formatFailure, toCliError } from "./cli-failure.ts";
import type { CliIo } from "./cli-io.ts";
import { lookCommand } from "./look-commands.ts";
import { runCommand } from "./run-command.ts";
import { acquireCommand, holdCommand, releaseCommand } from "./split-commands.ts";
import { STORE_FORMS } from "./store-url.ts";

export const MAIN_HELP: string = `lockgate: run a command under a lock, from any shell, on any backend

Usage:
  lockgate run NAME [options] -- COMMAND [ARGS...]   run COMMAND while holding NAME
  lockgate acquire NAME [options]                    acquire, print a handle, exit (lock stays held)
  lockgate hold HANDLE                               renew that lease until killed
  lockgate release HANDLE                            release it (or say it was lost)
  lockgate status [PREFIX]                           held and awaited locks, as a table
  lockgate inspect NAME                              one lock in full
  lockgate watch NAME                                a line per change
  lockgate COMMAND --help                            options and examples of a command

Where the locks live: --store URL, or $LOCKGATE_STORE:
${STORE_FORMS}

Secrets never go on the command line: tokens and passwords come from the environment or a file.

Examples:
  export LOCKGATE_STORE=etcd://10.0.0.5:2379/ci-locks/
  lockgate run deploy/prod -w 900 -- ./deploy.sh prod     # one deploy to prod at a time
  lockgate run -n -E 0 nightly -- ./report.sh             # skip if the last run is still going
  lockgate status deploy/

Exit status: the command's own; 1 busy or timed out (-E to change); 75 lease lost; 2 bad usage;
69 the store failed; 128+n ended by signal n.
`;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      version?: string;
    };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Runs one `lockgate` invocation; resolves to the exit status. Never throws. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "run":
        return await runCommand(rest, io);
      case "acquire":
        return await acquireCommand(rest, io);
      case "hold":
        return await holdCommand(rest, io);
      case "release":
        return await releaseCommand(rest, io);
      case "status":
      case "inspect":
      case "watch":
        return await lookCommand(command, rest, io);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.stdout.write(MAIN_HELP);
        return command === undefined ? 2 : 0;
      case "--version":
      case "-V":
        io.stdout.write(`${version()}\n`);
        return 0;
      default:
        throw usageError(
          `unknown command ${JSON.stringify(command)}`,
          "commands: run, acquire, hold, release, status, inspect, watch",
        );
    }
  } catch (error) {
    const failure = toCliError(error);
    io.stderr.write(formatFailure(failure));
    return failure.exitCode;
  }
}
