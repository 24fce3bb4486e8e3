import type { Locker } from "@lockgate/core";

/**
 * At most 3 deploys at once across every runner (the cluster's API would choke on more);
 * the rest wait their turn in arrival order.
 */
export async function deployWithinLimit(
  locker: Locker,
  service: string,
  deploy: (fencingToken: number, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  // Every runner passes the same limit; a different one is refused, not silently mixed.
  await using permit = await locker.acquire("deploys", {
    limit: 3,
    timeout: 30 * 60_000,
    value: { service, runner: process.env.HOSTNAME ?? "local" },
    maxHold: 20 * 60_000, // a deploy that hangs gives its permit back anyway
  });
  await deploy(permit.fencingToken, permit.signal);
}
