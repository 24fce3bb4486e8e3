import {
  type AcquireRequest,
  delay,
  isLockgateError,
  type Lease,
  type LeaseBackend,
  type Lock,
  Locker,
  ManualClock,
  StoreLeaseBackend,
} from "@lockgate/core";
import { seededRandom } from "@lockgate/process-harness";
import { FaultInjectingStore } from "@lockgate/store-conformance";
import { MemoryStore } from "@lockgate/store-memory";
import { CrashableStore } from "./crashable-store.ts";
import { type Belief, checkHistory } from "./history-checker.ts";
import { RecordingStore } from "./recording-store.ts";
import type { Scenario } from "./scenario.ts";

const LOCK = "sim";
/** Fake time after which a scenario that has not finished counts as stuck (a liveness failure). */
const TIME_CAP = 10 * 60_000;
/** Timer firings after which a scenario counts as livelocked (time no longer moves on). */
const MAX_FIRINGS = 200_000;

export interface ScenarioResult {
  readonly problems: string[];
  readonly grants: number;
  readonly commits: number;
  readonly endedAt: number;
}

/** Lets every pending promise continuation run: the simulation's only notion of "meanwhile". */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs one schedule on a driven clock: real lockers, each with its own backend, clock view
 * and faulty store path, over one recorded MemoryStore. Returns what the checker found.
 */
export async function runScenario(scenario: Scenario): Promise<ScenarioResult> {
  const world = new ManualClock({ start: 0 });
  let seq = 0;
  const nextSeq = () => ++seq;
  const random = seededRandom(scenario.seed);
  const recording = new RecordingStore(new MemoryStore(), world, nextSeq);
  const beliefs: Belief[] = [];
  const ownerRemovals = new Map<string, number>();
  const unexpected: string[] = [];
  const finished = new Set<number>();
  let grants = 0;

  const tasks = scenario.participants.map(async (plan, index) => {
    const clock = world.view({ wallSkew: plan.wallSkew, rate: plan.rate });
    const faulty = new FaultInjectingStore(recording, {
      clock,
      random,
      conflictRate: scenario.conflictRate,
      latency: () => random() * scenario.latencyMax,
    });
    const connection = new CrashableStore(faulty);
    const backend = new OwnerLoggingBackend(
      new StoreLeaseBackend(connection, { clock, random }),
      (id) => {
        if (!ownerRemovals.has(id)) ownerRemovals.set(id, nextSeq());
      },
    );
    const locker = new Locker(backend, { clock, random, leaseTtl: scenario.ttl });
    let alive = true;
    const open: Belief[] = [];
    const crash = () => {
      if (!alive) return;
      alive = false;
      connection.crashed = true;
      const at = nextSeq();
      for (const b of open) b.end ??= at;
      finished.add(index);
    };

    for (const action of plan.actions) {
      if (!alive) return;
      if (action.kind === "idle") {
        await delay(clock, action.ms);
        continue;
      }
      const controller = new AbortController();
      if (action.abortAfter > 0) clock.setTimeout(() => controller.abort(), action.abortAfter);
      if (action.fate === "vanish") clock.setTimeout(crash, action.vanishAfter);
      // Leader election is a waiting exclusive acquire: the same invariants hold for it.
      const campaigning =
        action.campaign === true && scenario.limit === 1 && action.mode !== "nonBlocking";
      let lock: Pick<Lock, "shared" | "fencingToken" | "signal" | "release"> | null;
      try {
        lock = campaigning
          ? await campaign(
              locker,
              controller.signal,
              action.mode === "timeout" ? action.timeout : 0,
            )
          : await locker.acquire(LOCK, {
              // A semaphore has no shared mode: under a limit every request is a permit.
              shared: scenario.limit === 1 && action.shared,
              ...(scenario.limit === 1 ? {} : { limit: scenario.limit }),
              nonBlocking: action.mode === "nonBlocking",
              timeout: action.mode === "timeout" ? action.timeout : 0,
              signal: controller.signal,
            });
      } catch (error) {
        if (
          !isLockgateError(error) ||
          !["timeout", "aborted", "store-unavailable"].includes(error.code)
        ) {
          unexpected.push(`participant ${index}: acquire failed with ${String(error)}`);
        }
        continue;
      }
      if (!alive) return;
      if (!lock) continue;
      grants++;
      const belief: Belief = {
        participant: index,
        shared: lock.shared,
        token: lock.fencingToken,
        start: nextSeq(),
        end: undefined,
      };
      beliefs.push(belief);
      open.push(belief);
      const held = lock;
      held.signal.addEventListener("abort", () => {
        belief.end ??= nextSeq();
      });
      if (held.signal.aborted) belief.end ??= nextSeq();
      if (action.fate === "partition") {
        faulty.unavailable = true;
        clock.setTimeout(() => {
          faulty.unavailable = false;
        }, action.partitionMs);
      }
      await delay(clock, action.holdMs);
      if (!alive) return;
      if (action.fate === "crash") {
        crash();
        return;
      }
      belief.end ??= nextSeq();
      await held.release().catch((error: unknown) => {
        if (!isLockgateError(error, "store-unavailable"))
          unexpected.push(`participant ${index}: release failed with ${String(error)}`);
      });
    }
    finished.add(index);
    // Stop the renewers of anything left: the run ends, the process does not crash.
    await locker.close().catch(() => {});
  });
  for (const task of tasks)
    task.catch((error: unknown) => unexpected.push(`participant task threw ${String(error)}`));

  let firings = 0;
  while (finished.size < scenario.participants.length) {
    await settle();
    if (++firings > MAX_FIRINGS) {
      unexpected.push(
        `livelock: ${MAX_FIRINGS} timers fired by t=${world.now()} without the run ending`,
      );
      break;
    }
    if (finished.size >= scenario.participants.length) break;
    if (world.now() > TIME_CAP) {
      unexpected.push(
        `liveness: participants ${scenario.participants.map((_, i) => i).filter((i) => !finished.has(i))} never finished`,
      );
      break;
    }
    if (!world.fireNext()) {
      unexpected.push("stuck: participants are waiting but no timer is pending");
      break;
    }
  }

  const maxRate = Math.max(...scenario.participants.map((p) => p.rate));
  const problems = [
    ...unexpected,
    ...checkHistory({
      commits: recording.commits,
      beliefs,
      ownerRemovals,
      maxRate,
      limit: scenario.limit,
    }),
  ];
  return { problems, grants, commits: recording.commits.length, endedAt: world.now() };
}

/** Records when an owner asks to remove its own lease or queue place (not a takeover). */
class OwnerLoggingBackend implements LeaseBackend {
  readonly #inner: LeaseBackend;
  readonly #log: (id: string) => void;

  constructor(inner: LeaseBackend, log: (id: string) => void) {
    this.#inner = inner;
    this.#log = log;
  }

  acquire: LeaseBackend["acquire"] = (request, options) => this.#inner.acquire(request, options);
  renew: LeaseBackend["renew"] = (lease, signal) => this.#inner.renew(lease, signal);
  setValue: LeaseBackend["setValue"] = (lease, value) => this.#inner.setValue(lease, value);
  inspect: LeaseBackend["inspect"] = (name) => this.#inner.inspect(name);
  list: LeaseBackend["list"] = (prefix) => this.#inner.list(prefix);
  watch: LeaseBackend["watch"] = (name, signal) => this.#inner.watch(name, signal);
  close: LeaseBackend["close"] = () => this.#inner.close();

  release(lease: Lease): Promise<void> {
    this.#log(lease.id);
    return this.#inner.release(lease);
  }

  abandon(request: AcquireRequest): Promise<void> {
    this.#log(request.id);
    return this.#inner.abandon(request);
  }
}

/** A campaign's Leadership, seen as the lock it is. */
async function campaign(
  locker: Locker,
  signal: AbortSignal,
  timeout: number,
): Promise<Pick<Lock, "shared" | "fencingToken" | "signal" | "release">> {
  const leadership = await locker.election(LOCK).campaign({ signal, timeout });
  return {
    shared: false,
    fencingToken: leadership.term,
    signal: leadership.signal,
    release: () => leadership.resign(),
  };
}
