import { HttpLocker } from "@lockgate/http-client";
import { expect, it } from "vitest";
import { contend } from "./contend.ts";
import type { ServerProcess } from "./server-process.ts";

/**
 * Clients spread over `servers` (instances on one store) take one lock `rounds` times each:
 * never two inside, every section ran, fencing tokens only increase.
 */
export async function expectExclusionAcross(
  servers: readonly ServerProcess[],
  token: string,
  rounds: number,
): Promise<void> {
  const clients = [...servers, ...servers].map(
    (s) => new HttpLocker(s.url, { token, leaseTtl: 5_000 }),
  );
  const { most, sections, tokens } = await contend(clients, "deploy", rounds);
  expect(most).toBe(1);
  expect(sections).toBe(clients.length * rounds);
  for (let i = 1; i < tokens.length; i++)
    expect(tokens[i]).toBeGreaterThan(tokens[i - 1] as number);
  await Promise.all(clients.map((c) => c.close()));
}

/** A release through `from` hands the lock to a waiter long-polling on `to`, in one step. */
export async function expectHandover(
  from: ServerProcess,
  to: ServerProcess,
  token: string,
  settleMs = 200,
): Promise<void> {
  const a = new HttpLocker(from.url, { token });
  const b = new HttpLocker(to.url, { token });
  const held = await a.acquire("cross");
  const waiting = b.acquire("cross", { timeout: 30_000 });
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  expect((await a.inspect("cross")).waiters).toHaveLength(1);
  await held.release();
  const next = await waiting;
  expect(next.fencingToken).toBe(held.fencingToken + 1);
  await next.release();
  await Promise.all([a.close(), b.close()]);
}

/** The two cases every set of instances on one store must pass, as vitest cases. */
export function itSharesOneStore(
  servers: () => readonly ServerProcess[],
  token: string,
  options: { rounds: number; settleMs: number },
): void {
  it(
    "clients spread across them exclude each other, with increasing fencing tokens",
    () => expectExclusionAcross(servers(), token, options.rounds),
    120_000,
  );

  it("a release through one instance hands the lock to a waiter long-polling on another", async () => {
    const all = servers();
    for (let i = 0; i < all.length; i++) {
      const to = all[(i + 1) % all.length] as ServerProcess;
      await expectHandover(all[i] as ServerProcess, to, token, options.settleMs);
    }
  }, 60_000);
}
