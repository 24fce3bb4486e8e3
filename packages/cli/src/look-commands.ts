import type { LockInfo } from "@lockgate/core";
import { parseArgs } from "./cli-args.ts";
import { usageError } from "./cli-error.ts";
import { toCliError } from "./cli-failure.ts";
import type { CliIo } from "./cli-io.ts";
import { SignalRelay } from "./signal-relay.ts";
import { inspectText, statusTable, watchLine } from "./status-table.ts";
import { closeLocker, lockerFor, STORE_HELP, STORE_OPTIONS, storeTarget } from "./store-options.ts";

const LOOK_OPTIONS = { ...STORE_OPTIONS, json: {} };

export const STATUS_HELP: string = `Usage: lockgate status [PREFIX] [--json]

Every lock under PREFIX that is held or waited for: holders with their values, how long, their
fencing token, then the waiters in the order they will be served. --json prints the list as JSON.

Options:
  --json                 machine-readable output
${STORE_HELP}

Examples:
  lockgate status deploy/
  lockgate status --json | jq '.[] | select(.waiters | length > 3) | .name'
`;

export const INSPECT_HELP: string = `Usage: lockgate inspect NAME [--json]

One lock in full: each holder (value, mode, token, since when, last renewal, lease id) and each
waiter in queue order.

Options:
  --json                 machine-readable output
${STORE_HELP}

Example:
  lockgate inspect deploy/prod --json | jq '.holders[0].value'
`;

export const WATCH_HELP: string = `Usage: lockgate watch NAME [--json]

A line for the lock's state now and after every change, until interrupted. --json prints one
JSON object per line (NDJSON).

Options:
  --json                 NDJSON output
${STORE_HELP}

Example:
  lockgate watch deploy/prod --json | jq -c '{holders: [.holders[].value], waiting: (.waiters | length)}'
`;

type Look = "status" | "inspect" | "watch";
const HELP: Record<Look, string> = {
  status: STATUS_HELP,
  inspect: INSPECT_HELP,
  watch: WATCH_HELP,
};

/** `lockgate status`, `inspect` and `watch`: looking, never changing anything. */
export async function lookCommand(look: Look, argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, LOOK_OPTIONS, 1);
  if (args.options.help) {
    io.stdout.write(HELP[look]);
    return 0;
  }
  if (args.command.length > 0) throw usageError(`unexpected ${JSON.stringify(args.command[0])}`);
  const name = args.positionals[0];
  if (look !== "status" && name === undefined)
    throw usageError(`${look} needs a lock NAME`, `lockgate ${look} NAME`);
  const json = args.options.json === true;
  const target = storeTarget(args, io.env);
  const locker = await lockerFor(target, args, io.env);
  const signals = new SignalRelay();
  try {
    if (look === "status") {
      const locks = await locker.list(name ?? "");
      if (json) io.stdout.write(`${JSON.stringify(locks, null, 2)}\n`);
      else if (locks.length === 0)
        io.stdout.write(
          `no locks held or waited for${name ? ` under ${JSON.stringify(name)}` : ""}\n`,
        );
      else io.stdout.write(statusTable(locks, Date.now()));
      return 0;
    }
    if (look === "inspect") {
      const info = await locker.inspect(name as string);
      io.stdout.write(json ? `${JSON.stringify(info, null, 2)}\n` : inspectText(info, Date.now()));
      return 0;
    }
    const stop = new AbortController();
    signals.onSignal(() => stop.abort());
    try {
      for await (const info of locker.watch(name as string, {
        signal: stop.signal,
      }) as AsyncIterable<LockInfo>) {
        io.stdout.write(json ? `${JSON.stringify(info)}\n` : watchLine(info, Date.now()));
      }
    } catch (error) {
      if (!stop.signal.aborted) throw error;
    }
    return 0;
  } catch (error) {
    throw toCliError(error);
  } finally {
    signals.uninstall();
    await closeLocker(locker, () => {});
  }
}
