import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import {
  createLocker,
  isLockgateError,
  type Lock,
  type Locker,
  type RecordCodec,
  withAcquire,
} from "@lockgate/core";
import {
  type ConformanceCase,
  conformanceCase,
  missing,
  type StoreFactoryOptions,
} from "./conformance-case.ts";
import { FaultInjectingStore } from "./fault-injecting-store.ts";

/** What a case can do to one connection: cut it off, and ask when its last write went out. */
export interface ConnectionFaults {
  /** While true, every call of this connection fails as if the lock state were unreachable. */
  unavailable: boolean;
  /** When this connection's last successful write was sent (performance.now() time). */
  readonly lastWriteSentAt: number | undefined;
}

/** One Locker on its own connection to the shared lock state, as another process would have. */
export interface LockerConnection {
  readonly locker: Locker;
  readonly faults: ConnectionFaults;
}

export interface ConnectOptions {
  /** Extra delay in ms on each call of this connection, each way. */
  latency?: () => number;
  leaseTtl?: number;
}

/** A fresh lock state that lockers connect to: a store, or a lock server. */
export interface LockerSite {
  connect(options?: ConnectOptions): LockerConnection;
  close(): Promise<void>;
}

export interface LockerConformanceOptions extends Partial<StoreFactoryOptions> {
  /**
   * How the cases reach a fresh lock state. Default: `createStore()`, with one Locker per
   * connection over a FaultInjectingStore. A lock server's client passes its own.
   */
  openSite?: () => Promise<LockerSite>;
  /** Lease length in ms used by the cases; keep it short, they wait for expiry. Default 600. */
  leaseTtl?: number;
  /** Poll period for stores without watch. Default 20 ms. */
  pollInterval?: number;
  /** How the default site's Lockers encode records, for stores with a format of their own. */
  codec?: RecordCodec;
  /** Lockers contending in the mutual exclusion case, and rounds each. Default 6 x 8. */
  contenders?: number;
  rounds?: number;
}

/** Resolves once `check` returns true; fails after `timeout` ms. */
async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeout = 10_000,
): Promise<void> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > timeout)
      throw new Error(`timed out after ${timeout} ms waiting until ${what}`);
    await sleep(5);
  }
}

/** The Locker semantics run over a given store: every store proves the algorithm on itself. */
export function lockerConformanceCases(options: LockerConformanceOptions): ConformanceCase[] {
  const ttl = options.leaseTtl ?? 600;
  const caps = options.capabilities;
  const pollInterval = options.pollInterval ?? 20;
  const storeSite = async (): Promise<LockerSite> => {
    if (!options.createStore) throw new Error("locker conformance needs createStore or openSite");
    const store = await options.createStore();
    return {
      connect: (o = {}) => {
        const faulty = new FaultInjectingStore(store, o.latency ? { latency: o.latency } : {});
        return {
          locker: createLocker(faulty, {
            leaseTtl: o.leaseTtl ?? ttl,
            pollInterval,
            ...(options.codec ? { codec: options.codec } : {}),
          }),
          faults: faulty,
        };
      },
      close: async () => {
        await (options.destroyStore ? options.destroyStore(store) : store.close?.());
      },
    };
  };
  /** A locker per simulated process, all on one lock state. */
  const lockers = (site: LockerSite, n: number): Locker[] =>
    Array.from({ length: n }, () => site.connect().locker);
  const closeAll = async (all: Locker[]) => {
    await Promise.allSettled(all.map((l) => l.close()));
  };
  const use = (fn: (site: LockerSite) => Promise<void>) => async () => {
    const site = await (options.openSite ?? storeSite)();
    try {
      await fn(site);
    } finally {
      await site.close();
    }
  };
  const c = conformanceCase;

  /** Starts waiters one at a time, each queued (visible in inspect) before the next starts. */
  const queueInOrder = async (
    observer: Locker,
    name: string,
    starts: (() => Promise<Lock>)[],
  ): Promise<Promise<Lock>[]> => {
    const pending: Promise<Lock>[] = [];
    for (const start of starts) {
      const promise = start();
      promise.catch(() => {});
      pending.push(promise);
      const expected = pending.length;
      await eventually(
        async () => (await observer.inspect(name)).waiters.length >= expected,
        `${expected} waiters are queued`,
      );
    }
    return pending;
  };

  return [
    c(
      "mutual exclusion under concurrency: an exact counter, never two holders",
      use(async (site) => {
        const contenders = options.contenders ?? 6;
        const rounds = options.rounds ?? 8;
        const all = lockers(site, contenders);
        let counter = 0;
        let inside = 0;
        let maxInside = 0;
        const tokens: number[] = [];
        try {
          await Promise.all(
            all.map(async (locker) => {
              for (let i = 0; i < rounds; i++) {
                await withAcquire(locker, "counter", {}, async (lock) => {
                  inside++;
                  maxInside = Math.max(maxInside, inside);
                  tokens.push(lock.fencingToken);
                  const read = counter;
                  await sleep(Math.random() * 3);
                  counter = read + 1;
                  inside--;
                });
              }
            }),
          );
        } finally {
          await closeAll(all);
        }
        assert.equal(maxInside, 1, "two holders were inside the critical section at once");
        assert.equal(counter, contenders * rounds);
        for (let i = 1; i < tokens.length; i++) {
          assert.ok(
            (tokens[i] as number) > (tokens[i - 1] as number),
            `fencing tokens must increase: ${tokens.join(",")}`,
          );
        }
      }),
    ),
    c(
      "shared holders coexist; an exclusive request waits for all of them, and they for it",
      use(async (site) => {
        const all = lockers(site, 4);
        const [a, b, c2, d] = all as [Locker, Locker, Locker, Locker];
        try {
          const s1 = await a.acquire("rw", { shared: true });
          const s2 = await b.acquire("rw", { shared: true });
          assert.equal((await c2.inspect("rw")).holders.length, 2);
          assert.equal(
            await c2.acquire("rw", { nonBlocking: true }),
            null,
            "exclusive must not join shared holders",
          );
          let exclusiveHeld = false;
          const x = c2.acquire("rw").then((lock) => {
            exclusiveHeld = true;
            return lock;
          });
          await eventually(
            async () => (await d.inspect("rw")).waiters.length === 1,
            "the exclusive request is queued",
          );
          await s1.release();
          await sleep(ttl / 6);
          assert.equal(exclusiveHeld, false, "exclusive granted while a shared holder remained");
          await s2.release();
          const xl = await x;
          assert.equal(
            await d.acquire("rw", { shared: true, nonBlocking: true }),
            null,
            "shared granted beside exclusive",
          );
          await xl.release();
          const s3 = await d.acquire("rw", { shared: true, nonBlocking: true });
          assert.ok(s3, "shared must be granted once the exclusive holder released");
          await s3.release();
        } finally {
          await closeAll(all);
        }
      }),
    ),
    c(
      "waiters are served in arrival order, even when later waiters see changes sooner",
      use(async (site) => {
        const count = 5;
        // Earlier waiters get slower store round trips: only the queue can keep them first.
        // Their leases are longer than the case's default so that a slow waiter's heartbeat,
        // competing with four faster ones, cannot miss its ttl: this case is about order.
        const waiters = Array.from(
          { length: count },
          (_, i) => site.connect({ latency: () => (count - i) * 4, leaseTtl: ttl * 3 }).locker,
        );
        const [holder] = lockers(site, 1) as [Locker];
        const all = [holder, ...waiters];
        try {
          const first = await holder.acquire("fifo");
          const order: number[] = [];
          const pending = await queueInOrder(
            holder,
            "fifo",
            waiters.map(
              (w, i) => () =>
                w.acquire("fifo").then(async (lock) => {
                  order.push(i);
                  await sleep(2);
                  await lock.release();
                  return lock;
                }),
            ),
          );
          await first.release();
          await Promise.all(pending);
          assert.deepEqual(
            order,
            waiters.map((_, i) => i),
          );
        } finally {
          await closeAll(all);
        }
      }),
    ),
    c(
      "a shared request does not overtake an earlier exclusive waiter",
      use(async (site) => {
        const all = lockers(site, 3);
        const [reader1, writer, reader2] = all as [Locker, Locker, Locker];
        try {
          const s1 = await reader1.acquire("starve", { shared: true });
          const events: string[] = [];
          const [w, s2] = await queueInOrder(reader1, "starve", [
            () =>
              writer.acquire("starve").then((l) => {
                events.push("writer");
                return l;
              }),
            () =>
              reader2.acquire("starve", { shared: true }).then((l) => {
                events.push("reader2");
                return l;
              }),
          ]);
          await sleep(ttl / 6);
          assert.deepEqual(
            events,
            [],
            "the late reader joined the shared holder ahead of the waiting writer",
          );
          await s1.release();
          await (await (w as Promise<Lock>)).release();
          await (await (s2 as Promise<Lock>)).release();
          assert.deepEqual(events, ["writer", "reader2"]);
        } finally {
          await closeAll(all);
        }
      }),
    ),
    c(
      "timeout rejects with the timeout code and leaves no waiter behind",
      use(async (site) => {
        const all = lockers(site, 2);
        const [a, b] = all as [Locker, Locker];
        try {
          const held = await a.acquire("t");
          const started = performance.now();
          await assert.rejects(b.acquire("t", { timeout: 150 }), (e: unknown) =>
            isLockgateError(e, "timeout"),
          );
          assert.ok(performance.now() - started >= 145, "timed out too early");
          await eventually(
            async () => (await a.inspect("t")).waiters.length === 0,
            "the timed-out waiter left the queue",
          );
          await held.release();
        } finally {
          await closeAll(all);
        }
      }),
    ),
    c(
      "abort rejects with the aborted code and leaves no waiter behind",
      use(async (site) => {
        const all = lockers(site, 2);
        const [a, b] = all as [Locker, Locker];
        try {
          const held = await a.acquire("ab");
          const controller = new AbortController();
          const waiting = b.acquire("ab", { signal: controller.signal });
          await eventually(
            async () => (await a.inspect("ab")).waiters.length === 1,
            "the waiter is queued",
          );
          controller.abort();
          await assert.rejects(waiting, (e: unknown) => isLockgateError(e, "aborted"));
          await eventually(
            async () => (await a.inspect("ab")).waiters.length === 0,
            "the aborted waiter left the queue",
          );
          await assert.rejects(b.acquire("ab", { signal: controller.signal }), (e: unknown) =>
            isLockgateError(e, "aborted"),
          );
          await held.release();
        } finally {
          await closeAll(all);
        }
      }),
    ),
    c(
      "nonBlocking resolves to null when busy and to a lock when free",
      use(async (site) => {
        const all = lockers(site, 2);
        const [a, b] = all as [Locker, Locker];
        try {
          const held = await a.acquire("nb", { nonBlocking: true });
          assert.ok(held);
          assert.equal(await b.acquire("nb", { nonBlocking: true }), null);
          assert.equal(
            (await a.inspect("nb")).waiters.length,
            0,
            "a non-blocking request must not queue",
          );
          await held.release();
          const next = await b.acquire("nb", { nonBlocking: true });
          assert.ok(next);
          await next.release();
        } finally {
          await closeAll(all);
        }
      }),
    ),
    c(
      "a holder that cannot renew is told it lost the lease before anyone else gets it, and others get it after its ttl, not before",
      use(async (site) => {
        const connection = site.connect();
        const crashed = connection.locker;
        const partitioned = connection.faults;
        const all = lockers(site, 1);
        const other = all[0] as Locker;
        try {
          let lostAt: number | undefined;
          let callbackRan = false;
          const lock = await crashed.acquire("crash", {
            onLostLease: () => {
              callbackRan = true;
            },
          });
          lock.signal.addEventListener("abort", () => {
            lostAt ??= performance.now();
          });
          await sleep(ttl / 2); // let at least one renewal through
          partitioned.unavailable = true;
          const taken = await other.acquire("crash", { timeout: ttl * 5 });
          const takenAt = performance.now();
          const lastWrite = partitioned.lastWriteSentAt as number;
          assert.ok(
            lostAt !== undefined && lostAt < takenAt,
            "the holder must lose belief before the takeover",
          );
          assert.ok(callbackRan, "onLostLease must run");
          assert.ok(
            isLockgateError(lock.signal.reason, "lease-lost"),
            "the signal's reason is a lease-lost error",
          );
          assert.ok(
            takenAt - lastWrite >= ttl - 2,
            `taken over ${takenAt - lastWrite} ms after the last renewal; ttl is ${ttl}`,
          );
          assert.ok(
            taken.fencingToken > lock.fencingToken,
            "a takeover gets a greater fencing token",
          );
          await lock.release(); // resolves: the lease was already lost
          await taken.release();
        } finally {
          partitioned.unavailable = false;
          await closeAll([crashed, ...all]);
        }
      }),
    ),
    c(
      "fencing tokens strictly increase across grants, releases and free periods",
      use(async (site) => {
        const all = lockers(site, 2);
        try {
          const tokens: number[] = [];
          for (let i = 0; i < 6; i++) {
            const lock = await (all[i % 2] as Locker).acquire("fence", { shared: i % 3 === 0 });
            tokens.push(lock.fencingToken);
            await lock.release();
          }
          const [s1, s2] = [
            await (all[0] as Locker).acquire("fence", { shared: true }),
            await (all[1] as Locker).acquire("fence", { shared: true }),
          ];
          tokens.push(s1.fencingToken, s2.fencingToken);
          await Promise.all([s1.release(), s2.release()]);
          for (let i = 1; i < tokens.length; i++) {
            assert.ok(
              (tokens[i] as number) > (tokens[i - 1] as number),
              `tokens must increase: ${tokens.join(",")}`,
            );
          }
        } finally {
          await closeAll(all);
        }
      }),
    ),
    c(
      "release is idempotent and ends the handle's signal",
      use(async (site) => {
        const all = lockers(site, 1);
        try {
          const lock = await (all[0] as Locker).acquire("rel");
          const [p1, p2] = [lock.release(), lock.release()];
          assert.equal(p1, p2, "a second release returns the first release's promise");
          await p1;
          await lock.release();
          assert.ok(lock.signal.aborted && isLockgateError(lock.signal.reason, "not-held"));
          assert.equal((await (all[0] as Locker).inspect("rel")).holders.length, 0);
        } finally {
          await closeAll(all);
        }
      }),
    ),
    c(
      "inspect shows holders with their values and waiters in order",
      use(async (site) => {
        const all = lockers(site, 3);
        const [a, b, c3] = all as [Locker, Locker, Locker];
        try {
          const held = await a.acquire("insp", {
            acquirerId: "ci-job-1",
            value: { host: "runner-1", why: "deploy" },
          });
          const [w1, w2] = await queueInOrder(a, "insp", [
            () => b.acquire("insp", { acquirerId: "b" }),
            () => c3.acquire("insp", { acquirerId: "c", shared: true }),
          ]);
          const info = await a.inspect("insp");
          assert.equal(info.name, "insp");
          assert.equal(info.holders.length, 1);
          const holder = info.holders[0];
          assert.equal(holder?.id, held.id);
          assert.equal(holder?.acquirerId, "ci-job-1");
          assert.deepEqual(holder?.value, { host: "runner-1", why: "deploy" });
          assert.equal(holder?.fencingToken, held.fencingToken);
          assert.ok((holder?.expiresAt ?? 0) > (holder?.renewedAt ?? 0));
          assert.deepEqual(
            info.waiters.map((w) => [w.acquirerId, w.shared]),
            [
              ["b", false],
              ["c", true],
            ],
          );
          await held.release();
          await (await (w1 as Promise<Lock>)).release();
          await (await (w2 as Promise<Lock>)).release();
        } finally {
          await closeAll(all);
        }
      }),
    ),
    c(
      "list shows locks with holders or waiters under a prefix",
      use(async (site) => {
        const all = lockers(site, 1);
        const locker = all[0] as Locker;
        try {
          const a = await locker.acquire("jobs/a");
          const b = await locker.acquire("jobs/b", { shared: true });
          const other = await locker.acquire("other");
          const freed = await locker.acquire("jobs/freed");
          await freed.release();
          const listed = await locker.list("jobs/");
          assert.deepEqual(listed.map((l) => l.name).sort(), ["jobs/a", "jobs/b"]);
          await Promise.all([a.release(), b.release(), other.release()]);
          assert.deepEqual(await locker.list("jobs/"), []);
        } finally {
          await closeAll(all);
        }
      }),
      missing(caps, "list"),
    ),
    c(
      "watch yields the lock's state now and after each change",
      use(async (site) => {
        const all = lockers(site, 2);
        const [a, b] = all as [Locker, Locker];
        const controller = new AbortController();
        try {
          const states: number[] = [];
          const seen = (async () => {
            for await (const info of b.watch("wat", { signal: controller.signal })) {
              states.push(info.holders.length);
              if (states.length > 1 && info.holders.length === 0) break;
            }
          })();
          await eventually(() => states.length === 1, "the watch yields the initial state");
          const lock = await a.acquire("wat");
          await eventually(() => states.includes(1), "the watch shows the holder");
          await lock.release();
          await seen;
          assert.equal(states[0], 0);
          assert.equal(states.at(-1), 0);
        } finally {
          controller.abort();
          await closeAll(all);
        }
      }),
    ),
    c(
      "withAcquire and Symbol.asyncDispose release the lock, also when the body throws",
      use(async (site) => {
        const all = lockers(site, 1);
        const locker = all[0] as Locker;
        try {
          const result = await withAcquire(locker, "wa", {}, async (lock) => lock.fencingToken);
          assert.equal(typeof result, "number");
          await assert.rejects(
            withAcquire(locker, "wa", {}, async () => {
              throw new Error("body failed");
            }),
            /body failed/,
          );
          {
            const lock = await locker.acquire("wa");
            await lock[Symbol.asyncDispose]();
          }
          assert.equal((await locker.inspect("wa")).holders.length, 0);
          const busy = await locker.acquire("wa");
          assert.equal(
            await withAcquire(locker, "wa", { nonBlocking: true }, async (lock) => lock),
            null,
          );
          await busy.release();
        } finally {
          await closeAll(all);
        }
      }),
    ),
    c(
      "election: one leader in arrival order; a resigned leader is replaced at once with a greater term; observe sees each leader, null when none",
      use(async (site) => {
        const all = lockers(site, 4);
        const [watcher, ...candidates] = all as [Locker, ...Locker[]];
        const stop = new AbortController();
        const seen: (string | null)[] = [];
        const observing = (async () => {
          for await (const leader of watcher.election("leader").observe({ signal: stop.signal })) {
            seen.push(leader ? `${JSON.stringify(leader.value)}@${leader.term}` : null);
          }
        })().catch((error: unknown) => {
          if (!stop.signal.aborted) throw error;
        });
        try {
          await eventually(() => seen.length >= 1, "observe yields the first state");
          assert.deepEqual([...seen], [null]);
          assert.equal(await watcher.election("leader").leader(), null);
          const first = await candidates[0]?.election("leader").campaign({ value: "w0" });
          assert.ok(first);
          const waiting = await queueInOrder(
            watcher,
            "leader",
            candidates.slice(1).map(
              (locker, i) => () =>
                locker
                  .election("leader")
                  .campaign({ value: `w${i + 1}`, timeout: 20_000 })
                  .then((l) => l as unknown as Lock),
            ),
          );
          const now = await watcher.election("leader").leader();
          assert.deepEqual(now, { term: first.term, value: "w0" });
          let previous = first.term;
          const terms: string[] = [`"w0"@${first.term}`];
          await first.resign();
          for (const [i, pending] of waiting.entries()) {
            const leadership = (await pending) as unknown as Awaited<
              ReturnType<ReturnType<Locker["election"]>["campaign"]>
            >;
            assert.equal(leadership.value, `w${i + 1}`, "candidates lead in arrival order");
            assert.ok(leadership.term > previous, "every term is above the last");
            assert.ok(leadership.held);
            previous = leadership.term;
            terms.push(`"w${i + 1}"@${leadership.term}`);
            await leadership.resign();
          }
          await eventually(
            () => seen.at(-1) === null && seen.length >= 3,
            "observe sees the last resign",
          );
          const leaders = seen.filter((x): x is string => x !== null);
          assert.equal(leaders[0], `"w0"@${first.term}`);
          if (caps?.watch === "latest") {
            // A coalescing watch may skip a term that began and ended between two looks (the
            // documented limit of observe); what it shows is real and in order.
            let at = 0;
            for (const leader of leaders) {
              at = terms.indexOf(leader, at);
              assert.ok(at !== -1, `observed ${leader}, which is not a term, or out of order`);
            }
          } else {
            assert.deepEqual(leaders, terms, "observe saw every term, in order");
          }
        } finally {
          stop.abort();
          await observing;
          await closeAll(all);
        }
      }),
    ),
    c(
      "election: proclaim keeps the term; a leader cut off from the store stops leading before a candidate leads after the ttl",
      use(async (site) => {
        const cutOff = site.connect();
        const other = site.connect();
        try {
          const leading = await cutOff.locker.election("el").campaign({ value: { addr: "a:1" } });
          await leading.proclaim({ addr: "a:2" });
          assert.deepEqual(await other.locker.election("el").leader(), {
            term: leading.term,
            value: { addr: "a:2" },
          });
          assert.deepEqual(leading.value, { addr: "a:2" });
          const candidate = other.locker.election("el").campaign({ value: "b", timeout: 20_000 });
          await eventually(
            async () => (await other.locker.inspect("el")).waiters.length === 1,
            "the candidate waits",
          );
          cutOff.faults.unavailable = true;
          const next = await candidate;
          assert.ok(
            leading.signal.aborted,
            "the old leader stopped believing before the new one led",
          );
          assert.equal(leading.held, false);
          assert.ok(next.term > leading.term);
          await assert.rejects(leading.proclaim("late"));
          await next.resign();
        } finally {
          await Promise.allSettled([cutOff.locker.close(), other.locker.close()]);
        }
      }),
    ),
    c(
      "maxHold: a holder that never releases stops believing at maxHold; the next gets the lock only after that lease runs out",
      use(async (site) => {
        const all = lockers(site, 2);
        const [hung, next] = all as [Locker, Locker];
        try {
          const maxHold = ttl;
          const started = performance.now();
          const lock = await hung.acquire("mh", { maxHold });
          const stopped = new Promise<number>((resolve) =>
            lock.signal.addEventListener("abort", () => resolve(performance.now()), { once: true }),
          );
          const waiting = next.acquire("mh", { timeout: 20_000 });
          const stoppedAt = await stopped;
          assert.ok(isLockgateError(lock.signal.reason, "max-hold"), String(lock.signal.reason));
          assert.ok(stoppedAt - started >= maxHold - 5, "not before maxHold");
          // Never released: the waiter must wait out the lease, so it was not granted yet.
          assert.equal((await hung.inspect("mh")).holders[0]?.id, lock.id);
          const granted = await waiting;
          const grantedAt = performance.now();
          assert.ok(grantedAt > stoppedAt, "the next holder came after the hung one stopped");
          assert.ok(granted.fencingToken > lock.fencingToken);
          await granted.release();
        } finally {
          await closeAll(all);
        }
      }),
    ),
    c(
      "semaphore: at most `limit` holders at once under concurrency, each with a fencing token above every earlier one",
      use(async (site) => {
        const limit = 3;
        const all = lockers(site, Math.max(options.contenders ?? 6, limit + 2));
        let inside = 0;
        let most = 0;
        /** The highest token of a permit already released: every later ask must get more. */
        let releasedMax = 0;
        const tokens = new Set<number>();
        try {
          await Promise.all(
            all.map(async (locker) => {
              for (let round = 0; round < (options.rounds ?? 8); round++) {
                const floor = releasedMax;
                const lock = await locker.acquire("sem", { limit, timeout: 20_000 });
                assert.ok(lock.fencingToken > floor, "a token above every released permit's");
                assert.ok(!tokens.has(lock.fencingToken), "every permit has its own token");
                tokens.add(lock.fencingToken);
                inside++;
                most = Math.max(most, inside);
                assert.ok(inside <= limit, `${inside} holders of a semaphore of limit ${limit}`);
                await sleep(5);
                inside--;
                await lock.release();
                releasedMax = Math.max(releasedMax, lock.fencingToken);
              }
            }),
          );
          assert.ok(most >= 2, `permits were held at once (at most ${most} seen)`);
          const info = await all[0]?.inspect("sem");
          assert.equal(info?.holders.length, 0);
        } finally {
          await closeAll(all);
        }
      }),
    ),
    c(
      "semaphore: freed permits go to waiters in arrival order, and inspect shows the limit",
      use(async (site) => {
        const all = lockers(site, 5);
        const [a, b, ...rest] = all as [Locker, Locker, ...Locker[]];
        try {
          const held = [await a.acquire("sq", { limit: 2 }), await b.acquire("sq", { limit: 2 })];
          const order: number[] = [];
          const waiting = await queueInOrder(
            a,
            "sq",
            rest.map(
              (locker, i) => () =>
                locker.acquire("sq", { limit: 2, timeout: 20_000 }).then((lock) => {
                  order.push(i);
                  return lock;
                }),
            ),
          );
          const info = await a.inspect("sq");
          assert.deepEqual(
            info.holders.map((h) => h.limit),
            [2, 2],
          );
          await held[0]?.release();
          const first = await waiting[0];
          await held[1]?.release();
          const second = await waiting[1];
          await first?.release();
          const third = await waiting[2];
          assert.deepEqual(order, [0, 1, 2]);
          await Promise.all([second?.release(), third?.release()]);
        } finally {
          await closeAll(all);
        }
      }),
    ),
    c(
      "semaphore: a request with another limit (or shared) is refused while holders or waiters agree on one",
      use(async (site) => {
        const all = lockers(site, 2);
        const [a, b] = all as [Locker, Locker];
        try {
          const lock = await a.acquire("sm", { limit: 3 });
          for (const request of [{ limit: 2 }, {}, { shared: true }]) {
            await assert.rejects(
              b.acquire("sm", { ...request, nonBlocking: true }),
              (error: unknown) =>
                isLockgateError(error, "invalid-argument") &&
                /limit 3/.test((error as Error).message),
            );
          }
          await lock.release();
          const plain = await b.acquire("sm", { nonBlocking: true });
          assert.ok(plain, "once free, any limit may start over");
          await plain.release();
          await assert.rejects(a.acquire("sm", { limit: 2, shared: true }), /no shared mode/);
        } finally {
          await closeAll(all);
        }
      }),
    ),
  ];
}
