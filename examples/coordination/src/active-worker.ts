import type { LeaderInfo, Locker } from "@lockgate/core";

/**
 * One active worker, the others ready: each replica campaigns; the leader runs `work` until it
 * stops leading (or `stop` aborts), then resigns so the next replica takes over at once.
 */
export async function runWhenLeading(
  locker: Locker,
  replica: string,
  work: (term: number, signal: AbortSignal) => Promise<void>,
  stop: AbortSignal,
): Promise<void> {
  const election = locker.election("workers/leader");
  while (!stop.aborted) {
    await using leadership = await election.campaign({ value: { replica }, signal: stop });
    // The term is a fencing token: storage that checks it refuses a deposed leader's writes.
    await work(leadership.term, AbortSignal.any([leadership.signal, stop]));
  }
}

/** Who leads now, for a status endpoint; null while nobody does. */
export function currentLeader(locker: Locker): Promise<LeaderInfo | null> {
  return locker.election("workers/leader").leader();
}
