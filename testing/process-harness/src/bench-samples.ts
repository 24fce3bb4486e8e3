/** The q-quantile (0..1) of `samples`, nearest rank. */
export function percentile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** What a handoff measurement needs of a locker. */
export interface Acquirer {
  acquire(name: string): Promise<{ release(): unknown }>;
}

/**
 * `n` handoffs from `holder` to `waiter`: the waiter queues, then after a random 30-40 ms (so no
 * timer of a polling peer lines up with the release) the holder releases; each sample is the
 * time from release to the waiter holding the lock, in ms.
 */
export async function handoffSamples(
  holder: Acquirer,
  waiter: Acquirer,
  name: string,
  n: number,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const held = await holder.acquire(name);
    const next = waiter.acquire(name);
    await new Promise((resolve) => setTimeout(resolve, 30 + Math.random() * 10));
    const releasedAt = performance.now();
    await held.release();
    const got = await next;
    out.push(performance.now() - releasedAt);
    await got.release();
  }
  return out;
}
