/** An opaque handle returned by `Clock.setTimeout`. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/**
 * Time as the lease algorithm sees it. Decisions about leases use only `now()`, a monotonic
 * clock; `wallNow()` is written into records for people and for Go lockgate, never trusted.
 */
export interface Clock {
  /** Monotonic milliseconds; only differences are meaningful. */
  now(): number;
  /** Wall-clock milliseconds since the Unix epoch. */
  wallNow(): number;
  /**
   * Wall-clock milliseconds with a fraction, never a whole millisecond away from `wallNow()`:
   * requests are queued by when they were asked, and many arrive within one millisecond. A
   * clock without it orders by `wallNow()`.
   */
  preciseWallNow?(): number;
  /**
   * `background: true` marks a timer that must not keep the process alive on its own
   * (lease renewal): a script that forgets to release still exits, and its lease expires.
   */
  setTimeout(callback: () => void, ms: number, options?: { background?: boolean }): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

// performance.now() plus this is the wall clock with a fraction; re-anchored whenever it
// leaves Date.now()'s millisecond (the wall clock was stepped or slewed).
let wallOffset = Date.now() - performance.now();

/** The real clock: `performance.now()` and the runtime's timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  preciseWallNow() {
    const wall = Date.now();
    const precise = performance.now() + wallOffset;
    if (precise >= wall && precise < wall + 1) return precise;
    wallOffset = wall - performance.now();
    return wall;
  },
  setTimeout(callback, ms, options) {
    const handle = globalThis.setTimeout(callback, Math.max(0, ms));
    if (options?.background) (handle as { unref?: () => void }).unref?.();
    return handle as unknown as TimerHandle;
  },
  clearTimeout(handle) {
    globalThis.clearTimeout(handle as unknown as ReturnType<typeof globalThis.setTimeout>);
  },
};

/** When a request is asked, as precisely as `clock` can say (see Clock.preciseWallNow). */
export function askedNow(clock: Clock): number {
  return clock.preciseWallNow?.() ?? clock.wallNow();
}
