import { setTimeout as sleep } from "node:timers/promises";
import type { Lock } from "@lockgate/core";
import {
  ACQUIRE_HELP,
  ACQUIRE_OPTIONS,
  acquireForCli,
  holderValue,
  warnOnce,
} from "./acquire-options.ts";
import { exitCodeOption, parseArgs, secondsOption } from "./cli-args.ts";
import { CliError, usageError } from "./cli-error.ts";
import type { CliIo } from "./cli-io.ts";
import { EXIT } from "./exit-codes.ts";
import { cliTimings } from "./lock-timings.ts";
import { ChildGroup, groupAlive, signalNumber } from "./process-group.ts";
import { SignalRelay } from "./signal-relay.ts";
import { closeLocker, lockerFor, STORE_HELP, STORE_OPTIONS, storeTarget } from "./store-options.ts";

const RUN_OPTIONS = {
  ...STORE_OPTIONS,
  ...ACQUIRE_OPTIONS,
  command: { short: "c", value: true },
  "kill-grace": { value: true },
  "lost-exit-code": { value: true },
  "max-hold": { value: true },
  "no-new-group": {},
};

export const RUN_HELP: string = `Usage: lockgate run NAME [options] -- COMMAND [ARGS...]
       lockgate run NAME [options] -c 'SHELL COMMAND'

Runs COMMAND while holding the lock NAME, and exits with its status. COMMAND is run without a
shell, in its own process group: signals to lockgate (INT, TERM, HUP, QUIT) reach every process
it started, and the lock is released only once all of them are gone. If the lease is lost while
it runs, the group gets TERM, then KILL after --kill-grace, before anyone else can hold the lock.

Options:
${ACQUIRE_HELP}
  -c, --command STRING   run STRING with /bin/sh -c
  --kill-grace SECONDS   after TERM, wait this long before KILL (default 5)
  --lost-exit-code N     exit status when the lease was lost (default 75)
  --max-hold SECONDS     stop the command like a lost lease once it held the lock this long
                         (a hung deploy cannot keep others out forever)
  --no-new-group         keep the command in lockgate's process group (for programs that need
                         /dev/tty, such as ssh or sudo prompts); only the command itself is signalled
${STORE_HELP}

The command gets LOCKGATE_LOCK_NAME, LOCKGATE_FENCING_TOKEN and LOCKGATE_LEASE_ID.

Exit status: the command's (128+n if it died of signal n); 1 (or -E) if busy or timed out;
75 (or --lost-exit-code) if the lease was lost or --max-hold passed; 128+n if signal n ended
the wait; 2 bad usage;
69 the store failed; 126/127 the command could not be run.

Examples:
  lockgate run deploy/prod --store etcd://10.0.0.5:2379 -- ./deploy.sh prod
  LOCKGATE_STORE=/var/lock/app lockgate run -n -E 0 nightly -- ./report.sh   # skip if running
  lockgate run deploy/prod -w 600 -c 'make deploy && make smoke-test'
`;

/** `lockgate run`: the command's exit status, or ours. */
export async function runCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, RUN_OPTIONS, 1);
  if (args.options.help) {
    io.stdout.write(RUN_HELP);
    return 0;
  }
  const name = args.positionals[0];
  if (name === undefined)
    throw usageError("run needs a lock NAME", "lockgate run NAME -- COMMAND [ARGS...]");
  const shellCommand = args.options.command;
  if (typeof shellCommand === "string" && args.command.length > 0) {
    throw usageError("give either -c 'COMMAND' or -- COMMAND ARGS..., not both");
  }
  const command =
    typeof shellCommand === "string" ? ["/bin/sh", "-c", shellCommand] : [...args.command];
  if (command.length === 0)
    throw usageError("run needs a command", "lockgate run NAME -- COMMAND [ARGS...]");
  const lostCode = exitCodeOption(args.options, "lost-exit-code", EXIT.leaseLost);
  const graceMs = secondsOption(args.options, "kill-grace", 5_000);
  const timings = cliTimings(secondsOption(args.options, "ttl", 30_000), graceMs);
  const maxHold =
    args.options["max-hold"] === undefined ? undefined : secondsOption(args.options, "max-hold", 0);
  if (maxHold === 0) throw usageError("--max-hold must be above 0 seconds");
  const value = holderValue(args, command);
  const target = storeTarget(args, io.env);
  const quiet = args.options.quiet === true;

  const signals = new SignalRelay();
  const locker = await lockerFor(target, args, io.env, {
    ...timings,
    onError: warnOnce(io, quiet),
  });
  try {
    const acquired = await acquireForCli(locker, name, args, io, signals, {
      value,
      releaseWhenLost: false,
      ...(maxHold === undefined ? {} : { maxHold }),
    });
    if (acquired.kind === "exit") return acquired.code;
    const { lock } = acquired;
    return await runHolding(lock, command, {
      io,
      signals,
      graceMs,
      lostCode,
      newGroup: args.options["no-new-group"] !== true,
      quiet,
    });
  } finally {
    signals.uninstall();
    await closeLocker(locker, warnOnce(io, quiet));
  }
}

interface HoldingOptions {
  readonly io: CliIo;
  readonly signals: SignalRelay;
  readonly graceMs: number;
  readonly lostCode: number;
  readonly newGroup: boolean;
  readonly quiet: boolean;
}

async function runHolding(lock: Lock, command: string[], o: HoldingOptions): Promise<number> {
  const [file, ...rest] = command as [string, ...string[]];
  let group: ChildGroup;
  try {
    group = await ChildGroup.start(
      file,
      rest,
      {
        ...o.io.env,
        LOCKGATE_LOCK_NAME: lock.name,
        LOCKGATE_FENCING_TOKEN: String(lock.fencingToken),
        LOCKGATE_LEASE_ID: lock.id,
      },
      o.newGroup,
    );
  } catch (error) {
    await lock.release().catch(() => {});
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      code === "ENOENT" ? "not-found" : "cannot-run",
      `cannot run ${file}: ${code === "ENOENT" ? "not found" : (error as Error).message}`,
      code === "ENOENT" ? 127 : 126,
      code === "ENOENT"
        ? "check the command name and PATH (no shell is used; -c runs one)"
        : undefined,
    );
  }
  o.signals.onSignal((signal) => group.forward(signal));

  const lost = new Promise<"lost">((resolve) => {
    if (lock.signal.aborted) resolve("lost");
    lock.signal.addEventListener("abort", () => resolve("lost"), { once: true });
  });
  const first = await Promise.race([group.exited, lost]);
  if (first === "lost") {
    const code =
      (lock.signal.reason as { code?: string }).code === "max-hold" ? "max-hold" : "lease-lost";
    o.io.stderr.write(
      `lockgate: ${code === "max-hold" ? "held" : "lost"} the lock ${lock.name}: ${(lock.signal.reason as Error).message}; ` +
        `stopping the command (TERM, then KILL after ${o.graceMs / 1000}s)\n`,
    );
    const killed = await group.terminate(o.graceMs);
    o.io.stderr.write(`lockgate: the command was stopped${killed ? " with KILL" : ""} [${code}]\n`);
    // Only now may the next holder start: remove our entry instead of waiting out the ttl
    // (briefly: the store is often what went away).
    await Promise.race([lock.release().catch(() => {}), sleep(2_000, undefined, { ref: false })]);
    return o.lostCode;
  }
  const exit = first;
  // A daemonised grandchild must not run on unguarded: stop what the command left behind.
  if (group.ownsGroup && groupAlive(group.pgid)) {
    if (!o.quiet) {
      o.io.stderr.write(
        "lockgate: the command exited but left processes running in its group; stopping them before releasing\n",
      );
    }
    await group.terminate(o.graceMs);
  }
  await lock.release().catch((error: unknown) => {
    if (!o.quiet) {
      o.io.stderr.write(
        `lockgate: warning: could not release ${lock.name} (${(error as Error).message}); it frees itself after its ttl\n`,
      );
    }
  });
  return exit.code ?? 128 + signalNumber(exit.signal as NodeJS.Signals);
}
