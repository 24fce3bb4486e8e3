import type { Clock, TimerHandle } from "./clock.ts";

interface PendingTimer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

export interface ManualClockOptions {
  /** Initial monotonic time in ms. */
  start?: number;
  /** Wall clock minus monotonic clock, in ms: a host whose wall clock is wrong. */
  wallOffset?: number;
}

/**
 * A clock that moves only when told to. Tests drive leases with it instead of sleeping.
 * `view()` gives a participant its own skewed reading of the same timeline.
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #wallOffset: number;
  readonly #timers = new Map<TimerHandle, PendingTimer>();

  constructor(options: ManualClockOptions = {}) {
    this.#now = options.start ?? 0;
    this.#wallOffset = options.wallOffset ?? 1_700_000_000_000;
  }

  now(): number {
    return this.#now;
  }

  wallNow(): number {
    return this.#now + this.#wallOffset;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const handle: TimerHandle = {};
    this.#timers.set(handle, {
      at: this.#now + Math.max(0, ms),
      seq: this.#seq++,
      callback,
    });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle);
  }

  /** Number of timers not yet fired. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Time of the earliest pending timer, or undefined. */
  nextTimerAt(): number | undefined {
    return this.#earliest()?.[1].at;
  }

  /** Moves time forward by `ms`, firing due timers in order (each sees its own due time). */
  advance(ms: number): void {
    this.advanceTo(this.#now + ms);
  }

  advanceTo(target: number): void {
    for (;;) {
      const next = this.#earliest();
      if (!next || next[1].at > target) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].callback();
    }
    this.#now = Math.max(this.#now, target);
  }

  /**
   * Moves time forward by `ms` without firing anything: what a process that was paused (SIGSTOP)
   * sees on resuming, every timer overdue and none run yet.
   */
  jump(ms: number): void {
    this.#now += Math.max(0, ms);
  }

  /** Fires the earliest pending timer (moving time to it). Returns false when none is pending. */
  fireNext(): boolean {
    const next = this.#earliest();
    if (!next) return false;
    this.advanceTo(next[1].at);
    return true;
  }

  /**
   * A clock on the same timeline seen by another host: its wall clock is off by `wallSkew`
   * ms and its monotonic clock runs at `rate` times real speed.
   */
  view(options: { wallSkew?: number; rate?: number } = {}): Clock {
    const rate = options.rate ?? 1;
    const wallSkew = options.wallSkew ?? 0;
    const origin = this.#now;
    return {
      now: () => origin + (this.#now - origin) * rate,
      wallNow: () => this.wallNow() + wallSkew,
      // Rounded up to the next microsecond, so that when the timer fires this view's now()
      // has surely reached the requested time (float error must not make it fire just short).
      setTimeout: (callback, ms) =>
        this.setTimeout(callback, Math.ceil((Math.max(0, ms) / rate) * 1e3 + 1) / 1e3),
      clearTimeout: (handle) => this.clearTimeout(handle),
    };
  }

  #earliest(): [TimerHandle, PendingTimer] | undefined {
    let best: [TimerHandle, PendingTimer] | undefined;
    for (const entry of this.#timers) {
      const t = entry[1];
      if (!best || t.at < best[1].at || (t.at === best[1].at && t.seq < best[1].seq)) best = entry;
    }
    return best;
  }
}
