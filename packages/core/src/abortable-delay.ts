import type { Clock } from "./clock.ts";
import { LockgateError } from "./errors.ts";

/** The error an aborted operation rejects with: the signal's reason if it is one of ours. */
export function abortError(signal: AbortSignal, what: string): LockgateError {
  const reason: unknown = signal.reason;
  if (reason instanceof LockgateError) return reason;
  return new LockgateError("aborted", `${what} was aborted`, { cause: reason });
}

/** Resolves after `ms` on `clock`; rejects with an "aborted" error when `signal` aborts. */
export function delay(
  clock: Clock,
  ms: number,
  signal?: AbortSignal,
  what = "Waiting",
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal, what));
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(abortError(signal as AbortSignal, what));
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
