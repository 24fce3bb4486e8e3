import { describe, expect, it } from "vitest";
import { delay } from "./abortable-delay.ts";
import type { AcquireRequest, Lease } from "./acquire-request.ts";
import { isLockgateError, LockgateError } from "./errors.ts";
import type { AcquireOutcome, AcquireStepOptions, LeaseBackend } from "./lease-backend.ts";
import type { LockInfo } from "./lock-info.ts";
import { Locker } from "./locker.ts";
import { ManualClock } from "./manual-clock.ts";
import { withAcquire } from "./with-acquire.ts";

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Moves the driven clock forward in steps, letting promise chains run between steps. */
async function advance(clock: ManualClock, ms: number, step = 5): Promise<void> {
  const target = clock.now() + ms;
  while (clock.now() < target) {
    clock.advanceTo(Math.min(target, clock.now() + step));
    await flush();
  }
}

/** A LeaseBackend whose answers each test scripts. */
class ScriptedBackend implements LeaseBackend {
  readonly steps: { request: AcquireRequest; waitMs: number }[] = [];
  readonly renewals: number[] = [];
  readonly released: string[] = [];
  readonly abandoned: string[] = [];
  acquireStep: (request: AcquireRequest, options: AcquireStepOptions) => Promise<AcquireOutcome> =
    async (request) => this.grant(request);
  renewStep: () => Promise<void> = async () => {};
  releaseStep: () => Promise<void> = async () => {};
  readonly clock: ManualClock;

  constructor(clock: ManualClock) {
    this.clock = clock;
  }

  grant(request: AcquireRequest, token = 1): AcquireOutcome {
    return {
      status: "granted",
      sentAt: this.clock.now(),
      lease: {
        name: request.name,
        id: request.id,
        shared: request.shared,
        token,
        ttl: request.ttl,
      },
    };
  }

  acquire(request: AcquireRequest, options: AcquireStepOptions): Promise<AcquireOutcome> {
    this.steps.push({ request, waitMs: options.waitMs });
    return this.acquireStep(request, options);
  }
  renew(_lease: Lease): Promise<void> {
    this.renewals.push(this.clock.now());
    return this.renewStep();
  }
  readonly values: unknown[] = [];
  async setValue(_lease: Lease, value: unknown): Promise<void> {
    this.values.push(value);
  }
  async release(lease: Lease): Promise<void> {
    this.released.push(lease.id);
    await this.releaseStep();
  }
  async abandon(request: AcquireRequest): Promise<void> {
    this.abandoned.push(request.id);
  }
  async inspect(name: string): Promise<LockInfo> {
    return { name, holders: [], waiters: [], lastFencingToken: 0 };
  }
  async list(): Promise<LockInfo[]> {
    return [];
  }
  async *watch(): AsyncIterable<LockInfo> {}
  async close(): Promise<void> {}
}

function setup(options: { leaseTtl?: number } = {}) {
  const clock = new ManualClock();
  const backend = new ScriptedBackend(clock);
  const errors: unknown[] = [];
  const locker = new Locker(backend, {
    clock,
    leaseTtl: options.leaseTtl ?? 900,
    random: () => 0.5,
    onError: (e) => errors.push(e),
  });
  return { clock, backend, locker, errors };
}

/** Steps answer "waiting" (each waiting its full time) until `grantAfterSteps` steps were made. */
function waitThen(backend: ScriptedBackend, grantAfterSteps: number): void {
  backend.acquireStep = async (request, options) => {
    if (backend.steps.length > grantAfterSteps) return backend.grant(request);
    if (options.waitMs > 0) await delay(backend.clock, options.waitMs, options.signal);
    return { status: "waiting", position: 0 };
  };
}

const unavailable = () => Promise.reject(new LockgateError("store-unavailable", "down"));

describe("Locker: leases", () => {
  it("renews every ttl/3 and keeps the lease while renewals succeed", async () => {
    const { clock, backend, locker } = setup();
    const lock = await locker.acquire("a");
    await advance(clock, 3_000);
    expect(lock.signal.aborted).toBe(false);
    expect(backend.renewals).toEqual([300, 600, 900, 1200, 1500, 1800, 2100, 2400, 2700, 3000]);
    await lock.release();
  });

  it("held is exact when read: after a pause past the deadline it is false before any timer runs", async () => {
    const { clock, locker } = setup();
    const lock = await locker.acquire("a");
    expect(lock.held).toBe(true);
    expect(() => lock.throwIfLost()).not.toThrow();
    clock.jump(700); // paused past renewDeadline (600); the deadline timer has not run
    expect(lock.signal.aborted).toBe(false); // what users checked before: still "held"
    expect(lock.held).toBe(false);
    expect(lock.signal.aborted).toBe(true);
    expect(isLockgateError(lock.signal.reason, "lease-lost")).toBe(true);
    expect(() => lock.throwIfLost()).toThrow(expect.objectContaining({ code: "lease-lost" }));
    await lock.release();
    expect(lock.held).toBe(false);
  });

  it("gives up belief renewDeadline after the last good renewal was sent, before the ttl", async () => {
    const { clock, backend, locker, errors } = setup();
    const lost: string[] = [];
    const lock = await locker.acquire("a", { onLostLease: (l) => void lost.push(l.id) });
    await advance(clock, 300); // one good renewal, sent at 300
    backend.renewStep = unavailable;
    await advance(clock, 599);
    expect(lock.signal.aborted).toBe(false);
    await advance(clock, 1);
    expect(clock.now()).toBe(900);
    expect(lock.signal.aborted).toBe(true);
    expect(isLockgateError(lock.signal.reason, "lease-lost")).toBe(true);
    expect(lock.lost).toBe(true);
    expect(lost).toEqual([lock.id]);
    // Failed renewals were retried within the deadline, and reported, not thrown.
    expect(backend.renewals.filter((t) => t > 300).length).toBeGreaterThan(2);
    expect(errors.every((e) => isLockgateError(e, "store-unavailable"))).toBe(true);
    // The entry it no longer believes in is removed rather than left to expire.
    expect(backend.released).toEqual([lock.id]);
    await lock.release(); // resolves; nothing more to release
    expect(backend.released).toEqual([lock.id]);
  });

  it("loses the lease at once when the store says it is no longer held", async () => {
    const { clock, backend, locker } = setup();
    const lock = await locker.acquire("a");
    backend.renewStep = () => Promise.reject(new LockgateError("not-held", "taken over"));
    await advance(clock, 300);
    expect(lock.signal.aborted).toBe(true);
    expect(isLockgateError(lock.signal.reason, "lease-lost")).toBe(true);
  });

  it("counts the lease from when the grant was sent, not from when the answer arrived", async () => {
    const { clock, backend, locker } = setup();
    backend.acquireStep = async (request) => {
      const outcome = backend.grant(request);
      await delay(clock, 250); // a slow answer (a slower one is renewed first: see below)
      return outcome;
    };
    const pending = locker.acquire("a");
    await advance(clock, 250);
    const lock = await pending;
    backend.renewStep = unavailable;
    await advance(clock, 349);
    expect(lock.signal.aborted).toBe(false);
    await advance(clock, 1);
    expect(lock.signal.aborted).toBe(true); // at 600 = sent at 0 + renewDeadline
  });

  it("never throws from a timer: a failing onLostLease goes to onError", async () => {
    const { clock, backend, locker, errors } = setup();
    await locker.acquire("a", {
      onLostLease: () => {
        throw new Error("callback broke");
      },
    });
    await locker.acquire("b", {
      onLostLease: async () => Promise.reject(new Error("async callback broke")),
    });
    backend.renewStep = () => Promise.reject(new LockgateError("not-held", "gone"));
    await advance(clock, 300);
    const messages = errors.map((e) => (e as Error).message);
    expect(messages).toContain("callback broke");
    expect(messages).toContain("async callback broke");
  });
});

describe("Locker: waiting", () => {
  it("keeps each waiting step within one renewal interval, so the queue place stays fresh", async () => {
    const { clock, backend, locker } = setup();
    waitThen(backend, 5);
    const pending = locker.acquire("a");
    await advance(clock, 2_000);
    const lock = await pending;
    expect(backend.steps.map((s) => s.waitMs)).toEqual([0, 300, 300, 300, 300, 300]);
    expect(new Set(backend.steps.map((s) => s.request.id)).size).toBe(1);
    await lock.release();
  });

  it("times out exactly at the deadline on the driven clock and abandons the request", async () => {
    const { clock, backend, locker } = setup();
    waitThen(backend, Number.POSITIVE_INFINITY);
    const pending = locker.acquire("a", { timeout: 1_000 });
    const result = pending.catch((e: unknown) => e);
    await flush();
    await advance(clock, 995);
    expect(backend.abandoned).toEqual([]);
    await advance(clock, 10);
    const error = await result;
    expect(isLockgateError(error, "timeout")).toBe(true);
    expect(backend.steps.at(-1)?.waitMs).toBe(100); // the last step only waits out the remainder
    expect(backend.abandoned).toEqual([backend.steps[0]?.request.id]);
  });

  it("stops waiting when the signal aborts and abandons the request", async () => {
    const { clock, backend, locker } = setup();
    waitThen(backend, Number.POSITIVE_INFINITY);
    const controller = new AbortController();
    const result = locker.acquire("a", { signal: controller.signal }).catch((e: unknown) => e);
    await advance(clock, 450);
    controller.abort(new Error("shutting down"));
    const error = await result;
    expect(isLockgateError(error, "aborted")).toBe(true);
    expect((error as LockgateError).cause).toEqual(new Error("shutting down"));
    expect(backend.abandoned).toHaveLength(1);
  });

  it("retries store outages while waiting, with backoff, until they clear", async () => {
    const { clock, backend, locker, errors } = setup();
    let failures = 4;
    backend.acquireStep = async (request) =>
      failures-- > 0
        ? Promise.reject(new LockgateError("store-unavailable", "down"))
        : backend.grant(request);
    const pending = locker.acquire("a");
    await advance(clock, 2_000);
    const lock = await pending;
    expect(backend.steps).toHaveLength(5);
    expect(errors).toHaveLength(4);
    await lock.release();
  });

  it("never pauses longer than the renewal interval between retries, so the queue place outlives an outage", async () => {
    const { clock, backend, locker } = setup(); // ttl 900: renewal interval 300
    let failures = 10;
    const at: number[] = [];
    backend.acquireStep = async (request) => {
      at.push(clock.now());
      return failures-- > 0
        ? Promise.reject(new LockgateError("store-unavailable", "down"))
        : backend.grant(request);
    };
    const pending = locker.acquire("a");
    await advance(clock, 5_000);
    const lock = await pending;
    const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
    expect(gaps).toHaveLength(10);
    // Backoff still grows (50, 100, 200 ms ceilings at random 0.5), then stays at 300 ms.
    expect(gaps[0]).toBeLessThan(gaps[3] as number);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(300 / 2 + 5);
    await lock.release();
  });

  it("nonBlocking resolves to null on busy without waiting or retrying", async () => {
    const { backend, locker } = setup();
    backend.acquireStep = async () => ({ status: "busy" });
    expect(await locker.acquire("a", { nonBlocking: true })).toBeNull();
    expect(backend.steps).toHaveLength(1);
    expect(backend.steps[0]?.request.nonBlocking).toBe(true);
  });

  it("onWait is called once with the name and wraps the wait", async () => {
    const { clock, backend, locker } = setup();
    waitThen(backend, 2);
    const events: string[] = [];
    const pending = locker.acquire("deploy", {
      onWait: async (name, doWait) => {
        events.push(`waiting for ${name}`);
        await doWait();
        events.push("done waiting");
      },
    });
    await advance(clock, 1_000);
    const lock = await pending;
    expect(events).toEqual(["waiting for deploy", "done waiting"]);
    await lock.release();
  });

  it("onWait that does not call doWait gives up with busy and abandons the request", async () => {
    const { backend, locker } = setup();
    waitThen(backend, Number.POSITIVE_INFINITY);
    const error = await locker.acquire("a", { onWait: async () => {} }).catch((e: unknown) => e);
    expect(isLockgateError(error, "busy")).toBe(true);
    expect(backend.abandoned).toHaveLength(1);
  });
});

describe("Locker: arguments and release", () => {
  it("rejects bad arguments with invalid-argument before touching the backend", async () => {
    const { backend, locker } = setup();
    const bad: [string, Parameters<Locker["acquire"]>[1]][] = [
      ["", {}],
      ["x".repeat(1025), {}],
      ["a", { timeout: -1 }],
      ["a", { timeout: Number.NaN }],
      ["a", { leaseTtl: 0 }],
    ];
    for (const [name, options] of bad) {
      const error = await locker.acquire(name, options).catch((e: unknown) => e);
      expect(
        isLockgateError(error, "invalid-argument"),
        `${name.slice(0, 5)} ${JSON.stringify(options)}`,
      ).toBe(true);
    }
    expect(backend.steps).toHaveLength(0);
    const clock = new ManualClock();
    expect(() => new Locker(backend, { clock, leaseTtl: 1000, renewDeadline: 1000 })).toThrow(
      /renewDeadline < leaseTtl/,
    );
    expect(
      () => new Locker(backend, { clock, leaseTtl: 1000, renewInterval: 700, renewDeadline: 600 }),
    ).toThrow(LockgateError);
  });

  it("release is idempotent and aborts the handle's signal with not-held", async () => {
    const { backend, locker } = setup();
    const lock = await locker.acquire("a");
    expect(locker.held.has(lock)).toBe(true);
    const first = lock.release();
    expect(lock.release()).toBe(first);
    await first;
    expect(backend.released).toEqual([lock.id]);
    expect(isLockgateError(lock.signal.reason, "not-held")).toBe(true);
    expect(locker.held.size).toBe(0);
  });

  it("a failed release rejects; asyncDispose reports it to onError instead of throwing", async () => {
    const { backend, locker, errors } = setup();
    backend.releaseStep = unavailable;
    const a = await locker.acquire("a");
    await expect(a.release()).rejects.toMatchObject({ code: "store-unavailable" });
    const b = await locker.acquire("b");
    await b[Symbol.asyncDispose]();
    expect(errors).toHaveLength(1);
  });

  it("withAcquire: the body's error wins over a failed release", async () => {
    const { backend, locker, errors } = setup();
    backend.releaseStep = unavailable;
    await expect(
      withAcquire(locker, "a", {}, async () => {
        throw new Error("deploy failed");
      }),
    ).rejects.toThrow("deploy failed");
    expect(errors.map((e) => (e as LockgateError).code)).toEqual(["store-unavailable"]);
    await expect(withAcquire(locker, "a", {}, async () => 1)).rejects.toMatchObject({
      code: "store-unavailable",
    });
  });

  it("close releases every held lock and refuses new acquires", async () => {
    const { backend, locker } = setup();
    const a = await locker.acquire("a");
    const b = await locker.acquire("b", { shared: true });
    await locker.close();
    expect(backend.released.sort()).toEqual([a.id, b.id].sort());
    await expect(locker.acquire("c")).rejects.toMatchObject({ code: "store-unavailable" });
  });

  it("close ends a waiting acquire at once with the closed error, abandons it first, and reports nothing", async () => {
    const { clock, backend, locker, errors } = setup();
    waitThen(backend, Number.POSITIVE_INFINITY);
    let abandonedBeforeClose = -1;
    const closeBackend = backend.close.bind(backend);
    backend.close = async () => {
      abandonedBeforeClose = backend.abandoned.length;
      await closeBackend();
    };
    const waiting = locker.acquire("a").catch((e: unknown) => e);
    await advance(clock, 100);
    await locker.close();
    const error = await waiting;
    expect(isLockgateError(error, "store-unavailable")).toBe(true);
    expect((error as Error).message).toBe("This locker is closed");
    expect(abandonedBeforeClose).toBe(1);
    expect(errors).toEqual([]);
  });
});

describe("Locker: a grant that arrives long after its request was sent", () => {
  it("is renewed once before it is handed out, so the holder starts with a full deadline", async () => {
    const { clock, backend, locker } = setup();
    // The step's request went out at 0; the grant comes back 700 ms later (renewDeadline 600).
    backend.acquireStep = async (request) => {
      const sentAt = clock.now();
      await delay(clock, 700);
      return { ...(backend.grant(request) as { lease: Lease }), status: "granted", sentAt };
    };
    const acquiring = locker.acquire("late");
    await advance(clock, 710);
    const lock = await acquiring;
    expect(backend.renewals).toEqual([700]);
    await advance(clock, 400);
    expect(lock.held).toBe(true);
  });

  it("a grant that is gone when confirmed is as if never made: the acquire waits on (or is busy)", async () => {
    const { clock, backend, locker } = setup();
    let late = 2;
    backend.acquireStep = async (request) => {
      const sentAt = clock.now();
      if (late-- > 0) {
        await delay(clock, 700);
        return { ...(backend.grant(request) as { lease: Lease }), status: "granted", sentAt };
      }
      return backend.grant(request, 9);
    };
    backend.renewStep = () => Promise.reject(new LockgateError("not-held", "taken over"));
    const acquiring = locker.acquire("late");
    await advance(clock, 1_500);
    const lock = await acquiring;
    expect(lock.fencingToken).toBe(9);
    expect(backend.steps.length).toBe(3);
    lock.detach();

    late = 1;
    const busy = locker.acquire("late", { nonBlocking: true });
    await advance(clock, 710);
    expect(await busy).toBeNull();
  });
});

describe("Locker: close after an aborted wait", () => {
  it("waits for the aborted request's queue place to be removed before closing the backend", async () => {
    const { clock, backend, locker } = setup();
    waitThen(backend, Number.POSITIVE_INFINITY);
    let finishAbandon = () => {};
    const abandon = backend.abandon.bind(backend);
    backend.abandon = async (request) => {
      await new Promise<void>((resolve) => (finishAbandon = resolve));
      await abandon(request);
    };
    let abandonedAtClose = -1;
    backend.close = async () => {
      abandonedAtClose = backend.abandoned.length;
    };
    const stop = new AbortController();
    const waiting = locker.acquire("a", { signal: stop.signal }).catch((e: unknown) => e);
    await advance(clock, 50);
    stop.abort();
    expect(isLockgateError(await waiting, "aborted")).toBe(true);
    const closed = locker.close();
    await flush();
    expect(abandonedAtClose).toBe(-1);
    finishAbandon();
    await closed;
    expect(abandonedAtClose).toBe(1);
  });
});

describe("Locker: detach and adopt (a lease renewed by another process)", () => {
  it("detach stops renewing without releasing; adopt renews at once and then on schedule", async () => {
    const { clock, backend, locker } = setup();
    const lock = await locker.acquire("ci/deploy");
    const lease = lock.detach();
    expect(lease).toEqual({
      name: "ci/deploy",
      id: lock.id,
      shared: false,
      token: 1,
      ttl: 900,
    });
    expect(lock.signal.aborted).toBe(true);
    expect(isLockgateError(lock.signal.reason, "not-held")).toBe(true);
    expect(locker.held.size).toBe(0);
    await lock.release();
    await advance(clock, 2_000);
    expect(backend.renewals).toEqual([]);
    expect(backend.released).toEqual([]);

    const other = setup();
    const adopted = await other.locker.adopt(JSON.parse(JSON.stringify(lease)));
    expect([adopted.name, adopted.id, adopted.fencingToken]).toEqual(["ci/deploy", lock.id, 1]);
    expect(other.backend.renewals).toEqual([0]);
    await advance(other.clock, 650);
    expect(other.backend.renewals).toEqual([0, 300, 600]);
    expect(adopted.held).toBe(true);
    await adopted.release();
    expect(other.backend.released).toEqual([lock.id]);
  });

  it("adopt of a lease that already ended rejects with not-held and holds nothing", async () => {
    const { backend, locker } = setup();
    backend.renewStep = () => Promise.reject(new LockgateError("not-held", "gone"));
    const lease = { name: "x", id: "a", shared: false, token: 3, ttl: 900 };
    await expect(locker.adopt(lease)).rejects.toMatchObject({ code: "not-held" });
    expect(locker.held.size).toBe(0);
  });

  it("adopt refuses what is not a lease before touching the backend", async () => {
    const { backend, locker } = setup();
    for (const bad of [
      null,
      { name: "", id: "a", shared: false, token: 1, ttl: 900 },
      { name: "x", id: "", shared: false, token: 1, ttl: 900 },
      { name: "x", id: "a", shared: "no", token: 1, ttl: 900 },
      { name: "x", id: "a", shared: false, token: 0, ttl: 900 },
      { name: "x", id: "a", shared: false, token: 1, ttl: -5 },
    ]) {
      await expect(locker.adopt(bad as unknown as Lease)).rejects.toMatchObject({
        code: "invalid-argument",
      });
    }
    expect(backend.renewals).toEqual([]);
  });

  it("detach of a lost lease throws its lost-lease error", async () => {
    const { clock, backend, locker } = setup();
    const lock = await locker.acquire("x");
    backend.renewStep = () => Promise.reject(new LockgateError("not-held", "gone"));
    await advance(clock, 400);
    expect(lock.lost).toBe(true);
    expect(() => lock.detach()).toThrow(/./);
    expect(isLockgateError(lock.signal.reason, "lease-lost")).toBe(true);
  });
});

describe("Locker: releaseWhenLost", () => {
  it("by default a lost lease's entry is removed at once", async () => {
    const { clock, backend, locker } = setup();
    const lock = await locker.acquire("x");
    backend.renewStep = () => Promise.reject(new LockgateError("not-held", "gone"));
    await advance(clock, 400);
    expect(lock.lost).toBe(true);
    expect(backend.released).toEqual([lock.id]);
  });

  it("false leaves the entry until release(), for a holder that must stop its work first", async () => {
    const { clock, backend, locker } = setup();
    const lock = await locker.acquire("x", { releaseWhenLost: false });
    backend.renewStep = unavailable;
    await advance(clock, 700);
    expect(lock.lost).toBe(true);
    expect(backend.released).toEqual([]);
    await lock.release();
    await lock.release();
    expect(backend.released).toEqual([lock.id]);
  });
});

describe("Locker: lock names", () => {
  it("refuses control characters everywhere a name is taken", async () => {
    const { locker } = setup();
    for (const name of ["\u0000", "deploy\nprod", "a\u001b[31m", "x\u007f"]) {
      await expect(locker.acquire(name)).rejects.toMatchObject({
        code: "invalid-argument",
        message: expect.stringMatching(/control characters \(found U\+00[0-7][0-9A-F]\)/),
      });
      await expect(locker.inspect(name)).rejects.toMatchObject({ code: "invalid-argument" });
    }
    expect((await locker.acquire("deploy/prod ünïcode ok")).name).toBe("deploy/prod ünïcode ok");
  });
});

describe("Locker: maxHold", () => {
  it("stops renewing at maxHold and aborts the signal with max-hold, leaving the entry to expire", async () => {
    const { clock, backend, locker } = setup();
    const lock = await locker.acquire("hung", { maxHold: 700 });
    await advance(clock, 690);
    expect(lock.held).toBe(true);
    expect(backend.renewals).toEqual([300, 600]);
    await advance(clock, 20);
    expect(lock.held).toBe(false);
    expect(isLockgateError(lock.signal.reason, "max-hold")).toBe(true);
    expect(lock.lost).toBe(false);
    await advance(clock, 2_000);
    expect(backend.renewals).toEqual([300, 600]);
    expect(backend.released).toEqual([]);
    expect(locker.held.size).toBe(0);
    // A holder that did stop can free it at once.
    await lock.release();
    expect(backend.released).toEqual([lock.id]);
  });

  it("does nothing once released first, and refuses a maxHold that is not positive", async () => {
    const { clock, backend, locker } = setup();
    const lock = await locker.acquire("x", { maxHold: 500 });
    await lock.release();
    await advance(clock, 1_000);
    expect(isLockgateError(lock.signal.reason, "not-held")).toBe(true);
    expect(backend.released).toEqual([lock.id]);
    await expect(locker.acquire("x", { maxHold: 0 })).rejects.toMatchObject({
      code: "invalid-argument",
    });
  });
});

describe("Election", () => {
  it("campaign resolves to a Leadership whose term is the token; proclaim sets the value; await using resigns", async () => {
    const { backend, locker } = setup();
    const election = locker.election("workers/leader");
    let id = "";
    {
      await using leadership = await election.campaign({ value: { addr: "10.0.0.7:80" } });
      id = backend.steps[0]?.request.id ?? "";
      expect(leadership.term).toBe(1);
      expect(leadership.value).toEqual({ addr: "10.0.0.7:80" });
      await leadership.proclaim({ addr: "10.0.0.7:81" });
      expect(backend.values).toEqual([{ addr: "10.0.0.7:81" }]);
      expect(leadership.value).toEqual({ addr: "10.0.0.7:81" });
      expect(backend.steps[0]?.request.value).toEqual({ addr: "10.0.0.7:80" });
    }
    expect(backend.released).toEqual([id]);
    expect(() => locker.election("")).toThrow(/non-empty/);
  });
});
