import type { Leadership } from "@lockgate/core";
import { EtcdServer } from "@lockgate/process-harness";
import { afterAll, beforeAll, expect, it } from "vitest";
import { EtcdLocker } from "./etcd-locker.ts";

// etcd3 (npm) #158: after an etcd outage it elected two leaders. Here: a leader and two
// candidates, each its own client, etcd down for 30 s (LOCKGATE_OUTAGE_MS), then back on its data.
const outageMs = Number(process.env.LOCKGATE_OUTAGE_MS ?? 30_000);
const etcd = new EtcdServer();
beforeAll(() => etcd.start(), 30_000);
afterAll(() => etcd.stop());

interface Term {
  readonly who: string;
  readonly term: number;
  readonly start: number;
  end: number;
}

it(
  `etcd down ${outageMs / 1000} s with a leader and two candidates: the leader stops leading, then exactly one leads, with a greater term`,
  async () => {
    const options = {
      hosts: etcd.endpoint,
      prefix: "election-158/",
      leaseTtl: 3_000,
      callTimeout: 500,
    };
    const lockers = ["a", "b", "c"].map((who) => ({ who, locker: new EtcdLocker(options) }));
    const terms: Term[] = [];
    const stop = new AbortController();
    const campaign = async (who: string, locker: EtcdLocker) => {
      while (!stop.signal.aborted) {
        let leadership: Leadership;
        try {
          leadership = await locker
            .election("leader")
            .campaign({ value: who, signal: stop.signal });
        } catch {
          continue; // aborted at the end; a store error while waiting does not happen (it retries)
        }
        const t: Term = {
          who,
          term: leadership.term,
          start: performance.now(),
          end: Number.POSITIVE_INFINITY,
        };
        terms.push(t);
        await new Promise((resolve) => {
          leadership.signal.addEventListener("abort", resolve, { once: true });
          stop.signal.addEventListener("abort", resolve, { once: true });
        });
        t.end = performance.now();
        await leadership.resign().catch(() => {});
      }
    };
    const [first, ...rest] = lockers as [(typeof lockers)[number], ...typeof lockers];
    const running = [campaign(first.who, first.locker)];
    await expect.poll(() => terms.length, { timeout: 10_000 }).toBe(1);
    running.push(...rest.map(({ who, locker }) => campaign(who, locker)));
    await expect
      .poll(async () => (await first.locker.inspect("leader")).waiters.length, { timeout: 10_000 })
      .toBe(2);

    await etcd.kill();
    const downAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, outageMs));
    // Nobody may believe it leads while the store is away (the leader gave up at its deadline).
    expect(terms.every((t) => t.end < Number.POSITIVE_INFINITY)).toBe(true);
    expect((terms[0] as Term).end - downAt).toBeLessThan(3_000);
    await etcd.start();
    await expect.poll(() => terms.length, { timeout: 20_000 }).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // time for a second leader to show up

    const [before, after] = terms as [Term, Term];
    expect(terms).toHaveLength(2);
    expect(after.term).toBeGreaterThan(before.term);
    expect(after.start).toBeGreaterThan(before.end);
    expect(after.end).toBe(Number.POSITIVE_INFINITY);
    const leader = await first.locker.election("leader").leader();
    expect(leader).toEqual({ term: after.term, value: after.who });
    expect((await first.locker.inspect("leader")).waiters).toHaveLength(2);

    stop.abort();
    await Promise.all(running);
    await Promise.all(lockers.map(({ locker }) => locker.close()));
  },
  outageMs + 90_000,
);
