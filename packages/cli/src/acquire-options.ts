import { randomBytes } from "node:crypto";
import { hostname, userInfo } from "node:os";
import type { AcquireOptions, JsonValue, Lock, Locker } from "@lockgate/core";
import { exitCodeOption, type OptionSpec, type ParsedArgs, secondsOption } from "./cli-args.ts";
import { usageError } from "./cli-error.ts";
import { toCliError } from "./cli-failure.ts";
import type { CliIo } from "./cli-io.ts";
import { EXIT } from "./exit-codes.ts";
import { partyText } from "./lock-text.ts";
import type { SignalRelay } from "./signal-relay.ts";
import { type ProgressMode, WaitProgress } from "./wait-progress.ts";

/** The options `run` and `acquire` share: how to wait and what to show about the holder. */
export const ACQUIRE_OPTIONS: Record<string, OptionSpec> = {
  shared: { short: "s" },
  exclusive: { short: "x" },
  "non-blocking": { short: "n" },
  timeout: { short: "w", value: true },
  "conflict-exit-code": { short: "E", value: true },
  ttl: { value: true },
  value: { value: true },
  quiet: { short: "q" },
  limit: { value: true },
};

export const ACQUIRE_HELP: string = `  -s, --shared           share the lock with other shared holders (readers)
  -x, --exclusive        exclusive (the default; accepted for flock(1) habits)
  -n, --non-blocking     fail at once if the lock is busy, instead of waiting
  -w, --timeout SECONDS  give up waiting after this long (default: wait forever)
  -E, --conflict-exit-code N  exit status when busy or timed out (default 1)
  --ttl SECONDS          lease length: how long others wait after a crash (default 30)
  --value JSON           what inspect and waiters see about you (default: host, pid, user, command)
  --limit N              a semaphore: at most N holders at once (every party passes the same N)
  -q, --quiet            no progress lines while waiting`;

/** A per-invocation acquirer id: finds our own place in the queue to say how many are ahead. */
export function cliAcquirerId(): string {
  return `lockgate-cli/${hostname()}/${process.pid}/${randomBytes(4).toString("hex")}`;
}

export function holderValue(args: ParsedArgs, command: readonly string[] | undefined): JsonValue {
  const raw = args.options.value;
  if (typeof raw === "string") {
    try {
      return JSON.parse(raw) as JsonValue;
    } catch {
      throw usageError(
        `--value must be JSON, got ${JSON.stringify(raw)}`,
        `e.g. --value '{"job":"release 1.4.2"}'`,
      );
    }
  }
  let user: string | undefined;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER;
  }
  const value: Record<string, JsonValue> = { host: hostname(), pid: process.pid };
  if (user) value.user = user;
  if (command) value.command = command.join(" ").slice(0, 200);
  return value;
}

export function waitTimeout(args: ParsedArgs): number {
  return secondsOption(args.options, "timeout", 0);
}

export function progressMode(args: ParsedArgs, io: CliIo): ProgressMode {
  if (args.options.quiet) return "quiet";
  return io.stderr.isTTY ? "tty" : "lines";
}

/** The `onWait` that shows progress for as long as we wait. */
export function showProgressWhileWaiting(
  locker: Locker,
  io: CliIo,
  mode: ProgressMode,
  me: string,
): (name: string, doWait: () => Promise<void>) => Promise<void> {
  return async (name, doWait) => {
    const progress = new WaitProgress({ name, me, mode, out: io.stderr });
    progress.start(locker);
    try {
      await doWait();
    } finally {
      progress.stop();
    }
  };
}

/** "deploy/prod is held by {...}" for a non-blocking miss. */
export async function busyLine(locker: Locker, name: string): Promise<string> {
  try {
    const info = await locker.inspect(name);
    const [holder] = info.holders;
    return holder
      ? `${name} is held by ${partyText(holder)}${info.holders.length > 1 ? ` and ${info.holders.length - 1} more` : ""}`
      : `${name} is busy (others are waiting for it)`;
  } catch {
    return `${name} is busy`;
  }
}

/** Background errors worth a line: each distinct one once (a store retried, a watch reconnected). */
export function warnOnce(io: CliIo, quiet: boolean): (error: unknown) => void {
  const seen = new Set<string>();
  return (error) => {
    if (quiet) return;
    const message = error instanceof Error ? error.message : String(error);
    if (seen.has(message)) return;
    seen.add(message);
    io.stderr.write(`lockgate: warning: ${message}\n`);
  };
}

/** `--limit N`: a semaphore's permit count; 1 (the default) is a lock. */
export function limitOption(args: ParsedArgs): number {
  const raw = args.options.limit;
  if (raw === undefined) return 1;
  const limit = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(Number.isSafeInteger(limit) && limit >= 1)) {
    throw usageError(
      `--limit must be a whole number of holders, 1 or more, got ${JSON.stringify(raw)}`,
    );
  }
  if (limit > 1 && args.options.shared) {
    throw usageError("--limit and --shared do not combine: a semaphore has no shared mode");
  }
  return limit;
}

export type CliAcquired =
  | { readonly kind: "held"; readonly lock: Lock }
  | { readonly kind: "exit"; readonly code: number };

/**
 * The acquire `run` and `acquire` share: waits with progress; a relayed signal ends the wait
 * (128+n, no queue place left); busy or timed out is the conflict code; a signal that came
 * with the grant gives the lock back at once (consul lock #1155 started the command anyway).
 */
export async function acquireForCli(
  locker: Locker,
  name: string,
  args: ParsedArgs,
  io: CliIo,
  signals: SignalRelay,
  options: Pick<AcquireOptions, "value" | "releaseWhenLost" | "maxHold">,
): Promise<CliAcquired> {
  const conflictCode = exitCodeOption(args.options, "conflict-exit-code", EXIT.conflict);
  const me = cliAcquirerId();
  const waiting = new AbortController();
  signals.onSignal(() => waiting.abort());
  if (signals.received) return { kind: "exit", code: signals.exitCode };
  let lock: Lock | null;
  try {
    lock = await locker.acquire(name, {
      ...options,
      shared: args.options.shared === true,
      limit: limitOption(args),
      nonBlocking: args.options["non-blocking"] === true,
      timeout: waitTimeout(args),
      signal: waiting.signal,
      acquirerId: me,
      onWait: showProgressWhileWaiting(locker, io, progressMode(args, io), me),
    });
  } catch (error) {
    if (signals.received) return { kind: "exit", code: signals.exitCode };
    throw toCliError(error, conflictCode);
  }
  if (lock === null) {
    if (args.options.quiet !== true)
      io.stderr.write(`lockgate: ${await busyLine(locker, name)} [busy]\n`);
    return { kind: "exit", code: conflictCode };
  }
  if (signals.received) {
    await lock.release().catch(() => {});
    return { kind: "exit", code: signals.exitCode };
  }
  return { kind: "held", lock };
}
