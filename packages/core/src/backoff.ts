export interface BackoffOptions {
  /** First delay in ms. */
  base: number;
  /** Largest delay in ms. */
  cap: number;
  /** A number in [0, 1); defaults to Math.random. */
  random?: () => number;
}

/**
 * Delay before retry number `attempt` (0-based): "full jitter", a uniform pick below an
 * exponentially growing ceiling, so contenders that collided once do not collide again in step.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.cap, options.base * 2 ** Math.min(attempt, 30));
  return (options.random ?? Math.random)() * ceiling;
}

/** `ms` shifted by up to ±`spread` (a fraction), so pollers of one key drift apart. */
export function jitter(ms: number, spread: number, random: () => number = Math.random): number {
  return ms * (1 - spread + 2 * spread * random());
}
