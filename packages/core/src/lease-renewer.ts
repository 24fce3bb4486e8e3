import type { Lease } from "./acquire-request.ts";
import { backoffDelay } from "./backoff.ts";
import type { Clock, TimerHandle } from "./clock.ts";
import { formatMs, isLockgateError, LockgateError } from "./errors.ts";
import type { LeaseBackend } from "./lease-backend.ts";

export interface LeaseTimings {
  /** Lease length in ms: how long others wait after the last renewal they saw. */
  readonly ttl: number;
  /** Renew this often (ms). */
  readonly renewInterval: number;
  /**
   * Stop believing in the lease this long (ms) after sending the last renewal that succeeded.
   * Below `ttl`, so the holder gives up before anyone else may take over.
   */
  readonly renewDeadline: number;
}

export interface LeaseRenewerOptions {
  readonly backend: LeaseBackend;
  readonly lease: Lease;
  readonly clock: Clock;
  readonly timings: LeaseTimings;
  readonly random: () => number;
  /** Called once when the lease is lost; never while `stop()` has been called before. */
  readonly onLost: (error: LockgateError) => void;
  readonly onError: (error: unknown) => void;
}

/** One shared reason: `abort()` without one builds a DOMException (and its stack) each time. */
const RENEWER_STOPPED = Object.freeze({ reason: "the lease renewer stopped" });

/**
 * Keeps one lease alive. Believes in it only until `renewDeadline` after the send time of the
 * last renewal that succeeded; if no renewal succeeds by then, or the store says the lease is
 * gone, it declares the lease lost. It never throws from a timer.
 */
export class LeaseRenewer {
  readonly #o: LeaseRenewerOptions;
  #believedUntil: number;
  #renewTimer: TimerHandle | undefined;
  #deadlineTimer: TimerHandle | undefined;
  #stopped = false;
  #failures = 0;
  /** Made at the first renewal: most holds end before one, and a controller per hold costs. */
  #inFlight: AbortController | undefined;

  /** `grantSentAt`: monotonic time no later than when the grant took effect. */
  constructor(options: LeaseRenewerOptions, grantSentAt: number) {
    this.#o = options;
    this.#believedUntil = grantSentAt + options.timings.renewDeadline;
    // Only the renewal timer for now: it is due before the deadline (renewInterval is below
    // renewDeadline), and the first renewal arms the deadline. Most holds end before either.
    if (options.clock.now() >= this.#believedUntil) this.#lose(this.#deadlineError());
    else this.#schedule(grantSentAt + options.timings.renewInterval);
  }

  /** Monotonic time until which the holder may believe it holds the lock. */
  get believedUntil(): number {
    return this.#believedUntil;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Whether the holder may still believe in the lease, by the clock now. Past the deadline it
   * declares the lease lost at once, before answering: after a pause (SIGSTOP, a debugger, a
   * long GC) the deadline timer may not have run yet while the caller's code already does.
   */
  isBelieved(): boolean {
    if (this.#stopped) return false;
    if (this.#o.clock.now() < this.#believedUntil) return true;
    this.#lose(this.#deadlineError());
    return false;
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#inFlight?.abort(RENEWER_STOPPED);
    this.#clear();
  }

  #clear(): void {
    const { clock } = this.#o;
    if (this.#renewTimer !== undefined) clock.clearTimeout(this.#renewTimer);
    if (this.#deadlineTimer !== undefined) clock.clearTimeout(this.#deadlineTimer);
    this.#renewTimer = undefined;
    this.#deadlineTimer = undefined;
  }

  #armDeadline(): void {
    const { clock } = this.#o;
    if (this.#deadlineTimer !== undefined) clock.clearTimeout(this.#deadlineTimer);
    const ms = this.#believedUntil - clock.now();
    if (ms <= 0) {
      this.#deadlineTimer = undefined;
      this.#lose(this.#deadlineError());
      return;
    }
    this.#deadlineTimer = clock.setTimeout(() => this.#lose(this.#deadlineError()), ms, {
      background: true,
    });
  }

  #schedule(at: number): void {
    if (this.#stopped) return;
    const { clock } = this.#o;
    this.#renewTimer = clock.setTimeout(() => void this.#renew(), at - clock.now(), {
      background: true,
    });
  }

  async #renew(): Promise<void> {
    const { backend, lease, clock, timings } = this.#o;
    this.#renewTimer = undefined;
    if (this.#stopped) return;
    // After a pause this timer and the deadline's came due together: lose before anything runs.
    if (this.#deadlineTimer === undefined) this.#armDeadline();
    if (this.#stopped) return;
    const sentAt = clock.now();
    try {
      this.#inFlight ??= new AbortController();
      await backend.renew(lease, this.#inFlight.signal);
    } catch (error) {
      if (this.#stopped) return;
      if (isLockgateError(error, "not-held")) {
        this.#lose(
          new LockgateError(
            "lease-lost",
            `Lost the lease on ${JSON.stringify(lease.name)}: ${error.message}`,
            {
              cause: error,
            },
          ),
        );
        return;
      }
      this.#o.onError(error);
      // Retry soon, but never past the point where belief ends (the deadline timer fires).
      const wait = Math.min(
        backoffDelay(this.#failures++, {
          base: 50,
          cap: timings.renewInterval / 2,
          random: this.#o.random,
        }),
        Math.max(0, this.#believedUntil - clock.now()),
      );
      this.#schedule(clock.now() + wait);
      return;
    }
    if (this.#stopped) return;
    this.#failures = 0;
    this.#believedUntil = Math.max(this.#believedUntil, sentAt + timings.renewDeadline);
    this.#armDeadline();
    this.#schedule(sentAt + timings.renewInterval);
  }

  #deadlineError(): LockgateError {
    const { lease, timings } = this.#o;
    return new LockgateError(
      "lease-lost",
      `Lost the lease on ${JSON.stringify(lease.name)}: no renewal succeeded within ` +
        `${formatMs(timings.renewDeadline)}, so others may take the lock over after ${formatMs(timings.ttl)}`,
    );
  }

  #lose(error: LockgateError): void {
    if (this.#stopped) return;
    this.stop();
    try {
      this.#o.onLost(error);
    } catch (callbackError) {
      this.#o.onError(callbackError);
    }
  }
}
