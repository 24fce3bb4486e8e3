import type { Locker, LockerOptions } from "@lockgate/core";
import type { OptionSpec, ParsedArgs } from "./cli-args.ts";
import { openLocker } from "./open-locker.ts";
import { parseStoreUrl, type StoreTarget } from "./store-url.ts";

/** Options every command that reaches a store takes. */
export const STORE_OPTIONS: Record<string, OptionSpec> = {
  store: { value: true },
  "token-file": { value: true },
  "password-file": { value: true },
  help: { short: "h" },
};

export const STORE_HELP: string = `  --store URL            where the locks live; default $LOCKGATE_STORE (see lockgate --help)
  --token-file FILE      lock server token (else $LOCKGATE_TOKEN)
  --password-file FILE   etcd, Redis or PostgreSQL password (else $LOCKGATE_ETCD_PASSWORD,
                         $LOCKGATE_REDIS_PASSWORD, $PGPASSWORD)`;

export function storeTarget(args: ParsedArgs, env: NodeJS.ProcessEnv): StoreTarget {
  const raw = args.options.store;
  return parseStoreUrl(typeof raw === "string" ? raw : (env.LOCKGATE_STORE ?? ""));
}

export function lockerFor(
  target: StoreTarget,
  args: ParsedArgs,
  env: NodeJS.ProcessEnv,
  timings: LockerOptions = {},
): Promise<Locker> {
  const tokenFile = args.options["token-file"];
  const passwordFile = args.options["password-file"];
  return openLocker(target, timings, {
    env,
    ...(typeof tokenFile === "string" ? { tokenFile } : {}),
    ...(typeof passwordFile === "string" ? { passwordFile } : {}),
  });
}

/** Closes a locker, but never waits longer than `ms` (a store that is away must not hang exit). */
export async function closeLocker(
  locker: Locker,
  onError: (e: unknown) => void,
  ms = 3_000,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    locker.close().catch(onError),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
