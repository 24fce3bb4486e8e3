import type { JsonValue } from "./json-value.ts";
import type { Lock } from "./lock-handle.ts";
import type { LockInfo } from "./lock-info.ts";
import type { AcquireOptions, Locker } from "./locker.ts";
import { validateLockName } from "./locker-options.ts";

/** Who leads: the value the leader proclaimed, and its term (the lock's fencing token). */
export interface LeaderInfo {
  /** Strictly greater than every earlier leader's term of this election: fence with it. */
  readonly term: number;
  readonly value?: JsonValue;
}

export interface CampaignOptions
  extends Pick<AcquireOptions, "signal" | "timeout" | "leaseTtl" | "acquirerId" | "onWait"> {
  /** What the leader proclaims (its address, its id), shown by `leader()` and `observe()`. */
  value?: JsonValue;
}

/**
 * A term of leadership. `signal` aborts the moment this process can no longer be sure it leads
 * (the lease could not be renewed in time, or was taken over); stop acting as leader then.
 */
export class Leadership implements AsyncDisposable {
  readonly name: string;
  /** The fencing token of this term: pass it to whatever the leader changes. */
  readonly term: number;
  readonly signal: AbortSignal;
  readonly #lock: Lock;
  #value: JsonValue | undefined;

  /** @internal Created by Election.campaign. */
  constructor(lock: Lock, value: JsonValue | undefined) {
    this.#lock = lock;
    this.name = lock.name;
    this.term = lock.fencingToken;
    this.signal = lock.signal;
    this.#value = value;
  }

  get value(): JsonValue | undefined {
    return this.#value;
  }

  /** Whether this process still leads, exact when read (see `Lock.held`). */
  get held(): boolean {
    return this.#lock.held;
  }

  /** Replaces the proclaimed value, keeping the term. Rejects if leadership was lost. */
  async proclaim(value: JsonValue): Promise<void> {
    await this.#lock.setValue(value);
    this.#value = value;
  }

  /** Steps down; the next candidate in line leads at once. Idempotent. */
  resign(): Promise<void> {
    return this.#lock.release();
  }

  /** `await using leadership = await election.campaign()`: resigns, never throwing over your error. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.#lock[Symbol.asyncDispose]();
  }
}

/**
 * Leader election on one lock name: candidates campaign in arrival order (the lock's FIFO
 * queue), one leads at a time, each term fenced by the lock's token. A leader that resigns is
 * replaced at once; one that crashes, after its lease ttl. Every process uses the same name.
 */
export class Election {
  readonly name: string;
  readonly #locker: Locker;

  constructor(locker: Locker, name: string) {
    validateLockName(name);
    this.#locker = locker;
    this.name = name;
  }

  /** Waits until this candidate leads (or `signal`/`timeout` ends the wait). */
  async campaign(options: CampaignOptions = {}): Promise<Leadership> {
    const lock = await this.#locker.acquire(this.name, options);
    return new Leadership(lock, options.value);
  }

  /** The current leader, or null when none leads. */
  async leader(): Promise<LeaderInfo | null> {
    return leaderOf(await this.#locker.inspect(this.name));
  }

  /**
   * The leader now, then after every change of leader or of its proclaimed value (null while
   * none leads), until `signal` aborts. On stores that deliver the latest state, a change
   * undone before it was seen may be skipped; the order of those seen is kept.
   */
  async *observe(options: { signal: AbortSignal }): AsyncIterable<LeaderInfo | null> {
    let last: string | undefined;
    for await (const info of this.#locker.watch(this.name, options)) {
      const leader = leaderOf(info);
      const key = leader ? `${leader.term}:${JSON.stringify(leader.value ?? null)}` : "none";
      if (key === last) continue;
      last = key;
      yield leader;
    }
  }
}

function leaderOf(info: LockInfo): LeaderInfo | null {
  const holder = info.holders[0];
  if (!holder) return null;
  return {
    term: holder.fencingToken,
    ...(holder.value === undefined ? {} : { value: holder.value }),
  };
}
