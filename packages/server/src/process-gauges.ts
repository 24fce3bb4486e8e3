import process from "node:process";

/**
 * The process as Prometheus sees it: resident memory, uptime, and the event loop's lag (how late
 * a 250 ms timer fires; the worst since the last scrape), so a server too busy to answer its
 * long-polls on time shows it before its clients lose leases.
 */
export class ProcessGauges {
  readonly #startedAt = Date.now();
  #worstLagMs = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  start(): void {
    if (this.#timer) return;
    const every = 250;
    let expected = performance.now() + every;
    this.#timer = setInterval(() => {
      const now = performance.now();
      this.#worstLagMs = Math.max(this.#worstLagMs, now - expected);
      expected = now + every;
    }, every);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Gauges at scrape time; the lag resets to what the next interval measures. */
  take(): Record<string, number> {
    // Sampling starts with the first scrape: an app nobody scrapes runs no timer.
    this.start();
    const lag = Math.max(0, this.#worstLagMs);
    this.#worstLagMs = 0;
    return {
      process_resident_memory_bytes: process.memoryUsage().rss,
      process_start_time_seconds: Math.floor(this.#startedAt / 1000),
      lockgate_event_loop_lag_seconds: lag / 1000,
    };
  }
}
