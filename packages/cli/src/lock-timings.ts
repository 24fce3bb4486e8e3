import type { LockerOptions } from "@lockgate/core";
import { usageError } from "./cli-error.ts";

/**
 * Lease timings that leave time to stop the command: after a lost lease lockgate sends TERM,
 * then KILL after the grace, and all of that must end before the ttl runs out for the others.
 * So the holder gives up belief at ttl - grace - margin (at most 2/3 ttl, as the library does).
 */
export function cliTimings(ttlMs: number, killGraceMs: number): LockerOptions {
  const margin = Math.max(1_000, ttlMs / 10);
  const renewDeadline = Math.min((ttlMs * 2) / 3, ttlMs - killGraceMs - margin);
  const renewInterval = Math.min(ttlMs / 3, renewDeadline / 2);
  if (!(renewDeadline >= 200 && renewInterval >= 100)) {
    const least = Math.ceil((killGraceMs + 1_300) / 1000);
    throw usageError(
      `--ttl ${ttlMs / 1000}s leaves no time to stop the command (--kill-grace ${killGraceMs / 1000}s) before others may take the lock`,
      `use --ttl ${least} or more, or a shorter --kill-grace`,
    );
  }
  return { leaseTtl: ttlMs, renewInterval, renewDeadline };
}
