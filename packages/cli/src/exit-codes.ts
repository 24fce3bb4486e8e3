/**
 * Exit statuses of `lockgate` that are not the child's own. Chosen from sysexits(3) where one
 * fits, so they rarely collide with what a command exits with; the conflict and lost codes can
 * be changed per call (-E, --lost-exit-code) when they do.
 */
export const EXIT = {
  /** Busy (-n) or timed out (-w), as flock(1): 1 unless -E says otherwise. */
  conflict: 1,
  /** Bad usage, an unusable store URL, a malformed handle. */
  usage: 2,
  /** The store refused or failed (wrong credentials, unreachable when not waiting). */
  storeFailed: 69,
  /** lockgate itself failed unexpectedly. */
  internal: 70,
  /** The lease was lost while the command ran (or a handle's lease had already ended). */
  leaseLost: 75,
  /** Added to a signal's number, as shells report a process that died of it. */
  signalBase: 128,
} as const;
