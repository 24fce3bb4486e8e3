import { isLockgateError, type Lock } from "@lockgate/core";
import {
  ACQUIRE_HELP,
  ACQUIRE_OPTIONS,
  acquireForCli,
  holderValue,
  warnOnce,
} from "./acquire-options.ts";
import { exitCodeOption, parseArgs, secondsOption } from "./cli-args.ts";
import { CliError, usageError } from "./cli-error.ts";
import { toCliError } from "./cli-failure.ts";
import type { CliIo } from "./cli-io.ts";
import { EXIT } from "./exit-codes.ts";
import { decodeHandle, encodeHandle } from "./lease-handle.ts";
import { cliTimings } from "./lock-timings.ts";
import { SignalRelay } from "./signal-relay.ts";
import { closeLocker, lockerFor, STORE_HELP, STORE_OPTIONS, storeTarget } from "./store-options.ts";

export const ACQUIRE_COMMAND_HELP: string = `Usage: lockgate acquire NAME [options]

Acquires the lock NAME, prints a handle on stdout and exits, leaving the lock held: for CI
pipelines whose steps are separate processes. Nothing renews the lease until \`lockgate hold\`
does, so without it the lock frees itself one --ttl after acquiring.

Options:
${ACQUIRE_HELP}
${STORE_HELP}

Example (one job, three steps):
  LOCK=$(lockgate acquire deploy/prod --ttl 60)
  lockgate hold "$LOCK" & HOLDER=$!
  ./deploy.sh
  kill "$HOLDER"; lockgate release "$LOCK"
`;

export const HOLD_HELP: string = `Usage: lockgate hold HANDLE [options]

Renews the lease of a handle from \`lockgate acquire\` until killed (INT, TERM or HUP: it then stops
renewing and exits 0, leaving the release to \`lockgate release\`). Exits 75 (or --lost-exit-code)
when the lease ends under it: lost, or released elsewhere.

Options:
  --lost-exit-code N     exit status when the lease ended (default 75)
  -q, --quiet            no line when holding starts
${STORE_HELP}

Example:
  LOCK=$(lockgate acquire deploy/prod) && lockgate hold "$LOCK" &   # renewed in the background
`;

export const RELEASE_HELP: string = `Usage: lockgate release HANDLE [options]

Releases the lease of a handle from \`lockgate acquire\`. If the lease had already ended (it was
lost: not held, not renewed in time), says so and exits 75 (or --lost-exit-code): the steps
after acquire may then have run while another holder had the lock.

Options:
  --lost-exit-code N     exit status when the lease had already ended (default 75)
${STORE_HELP}

Example:
  lockgate release "$LOCK" || echo "the deploy ran unguarded for a while: check it"
`;

/** `lockgate acquire`: prints a handle and leaves the lease held for its ttl. */
export async function acquireCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { ...STORE_OPTIONS, ...ACQUIRE_OPTIONS }, 1);
  if (args.options.help) {
    io.stdout.write(ACQUIRE_COMMAND_HELP);
    return 0;
  }
  const name = args.positionals[0];
  if (name === undefined) throw usageError("acquire needs a lock NAME", "lockgate acquire NAME");
  if (args.command.length > 0)
    throw usageError(
      `unexpected ${JSON.stringify(args.command[0])}`,
      "to run a command under the lock, use lockgate run",
    );
  const timings = cliTimings(secondsOption(args.options, "ttl", 30_000), 0);
  const value = holderValue(args, undefined);
  const target = storeTarget(args, io.env);
  const quiet = args.options.quiet === true;
  const signals = new SignalRelay();
  const locker = await lockerFor(target, args, io.env, {
    ...timings,
    onError: warnOnce(io, quiet),
  });
  try {
    const acquired = await acquireForCli(locker, name, args, io, signals, { value });
    if (acquired.kind === "exit") return acquired.code;
    const { lock } = acquired;
    io.stdout.write(`${encodeHandle(lock.detach())}\n`);
    return 0;
  } finally {
    signals.uninstall();
    await closeLocker(locker, warnOnce(io, quiet));
  }
}

const HANDLE_OPTIONS = {
  ...STORE_OPTIONS,
  "lost-exit-code": { value: true },
  quiet: { short: "q" },
};

/** `lockgate hold`: renews a handle's lease until killed. */
export async function holdCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, HANDLE_OPTIONS, 1);
  if (args.options.help) {
    io.stdout.write(HOLD_HELP);
    return 0;
  }
  const lease = decodeHandle(args.positionals[0]);
  const lostCode = exitCodeOption(args.options, "lost-exit-code", EXIT.leaseLost);
  const quiet = args.options.quiet === true;
  const target = storeTarget(args, io.env);
  const signals = new SignalRelay();
  const locker = await lockerFor(target, args, io.env, {
    ...cliTimings(lease.ttl, 0),
    onError: warnOnce(io, quiet),
  });
  try {
    const lock = await adoptOrExplain(locker, lease, lostCode);
    if (!quiet)
      io.stderr.write(
        `lockgate: holding ${lock.name} (fencing token ${lock.fencingToken}) until killed\n`,
      );
    // Renewal timers do not keep a process alive (a library must not); here they are the point.
    const keepAlive = setInterval(() => {}, 1 << 30);
    const outcome = await new Promise<"signal" | "lost">((resolve) => {
      signals.onSignal(() => resolve("signal"));
      if (signals.received) resolve("signal");
      lock.signal.addEventListener("abort", () => resolve("lost"), { once: true });
    }).finally(() => clearInterval(keepAlive));
    if (outcome === "signal" && lock.held) {
      lock.detach(); // stop renewing; the release is `lockgate release`'s job
      return 0;
    }
    throw new CliError(
      "lease-ended",
      `the lease on ${lock.name} ended: ${(lock.signal.reason as Error).message}`,
      lostCode,
      "it was released elsewhere, or lost (renewals failed past its deadline)",
    );
  } finally {
    signals.uninstall();
    await closeLocker(locker, warnOnce(io, quiet));
  }
}

/** `lockgate release`: releases a handle's lease, or says that it was already lost. */
export async function releaseCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, HANDLE_OPTIONS, 1);
  if (args.options.help) {
    io.stdout.write(RELEASE_HELP);
    return 0;
  }
  const lease = decodeHandle(args.positionals[0]);
  const lostCode = exitCodeOption(args.options, "lost-exit-code", EXIT.leaseLost);
  const target = storeTarget(args, io.env);
  const locker = await lockerFor(target, args, io.env, cliTimings(lease.ttl, 0));
  try {
    // Renewing first tells a lease still in force from one that already ended.
    const lock = await adoptOrExplain(locker, lease, lostCode);
    await lock.release();
    return 0;
  } finally {
    await closeLocker(locker, () => {});
  }
}

async function adoptOrExplain(
  locker: Awaited<ReturnType<typeof lockerFor>>,
  lease: ReturnType<typeof decodeHandle>,
  lostCode: number,
): Promise<Lock> {
  try {
    return await locker.adopt(lease);
  } catch (error) {
    if (isLockgateError(error, "not-held")) {
      throw new CliError(
        "lease-lost",
        `the lease on ${lease.name} (fencing token ${lease.token}) had already ended`,
        lostCode,
        "the steps after acquire may have run while another holder had the lock; run lockgate hold to keep a lease",
      );
    }
    throw toCliError(error);
  }
}
