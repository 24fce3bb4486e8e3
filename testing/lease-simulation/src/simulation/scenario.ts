/** What one participant does with the lock, in order. */
export type Action =
  | { readonly kind: "idle"; readonly ms: number }
  | {
      readonly kind: "acquire";
      readonly shared: boolean;
      readonly mode: "blocking" | "nonBlocking" | "timeout";
      readonly timeout: number;
      /** Abort the wait this many ms after starting (0: never). */
      readonly abortAfter: number;
      readonly holdMs: number;
      /**
       * release: hold, then release. crash: the process dies while holding.
       * partition: the store becomes unreachable for `partitionMs` while holding.
       * vanish: the process dies `vanishAfter` ms after asking (waiting or holding).
       */
      readonly fate: "release" | "crash" | "partition" | "vanish";
      readonly partitionMs: number;
      readonly vanishAfter: number;
      /** Ask through `locker.election(...).campaign()` (exclusive, waiting) instead of acquire. */
      readonly campaign?: boolean;
    };

export interface ParticipantPlan {
  /** Wall clock error of this host in ms: never trusted, so it must not matter. */
  readonly wallSkew: number;
  /** Speed of this host's monotonic clock relative to real time. */
  readonly rate: number;
  readonly actions: readonly Action[];
}

export interface Scenario {
  readonly seed: number;
  readonly ttl: number;
  /** Largest one-way store latency in ms. */
  readonly latencyMax: number;
  /** Probability that another writer slips in before a write. */
  readonly conflictRate: number;
  /** 1: a lock (shared or exclusive requests); 2 or more: a semaphore every request asks for. */
  readonly limit: number;
  readonly participants: readonly ParticipantPlan[];
}
