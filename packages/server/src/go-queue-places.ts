import { createHash } from "node:crypto";

/** Go lockgate's client asks again every 2 s; a poll this soon after the last one is its next. */
const NEXT_POLL_WITHIN_MS = 3_500;
/** Polls remembered at most: the oldest are forgotten first. */
const MAX_REMEMBERED = 10_000;

export interface GoPoll {
  readonly name: string;
  readonly shared: boolean;
  /** Go lockgate's opt-in `AcquirerId`; "" or absent when the client sent none. */
  readonly acquirerId: string | undefined;
  /** Who is asking, as far as the request tells (a hash of its credentials). */
  readonly caller: string;
}

export interface GoPlace {
  readonly id: string;
  readonly join: boolean;
  /** Only for a caller without an AcquirerId. */
  readonly key?: string;
}

/**
 * Which queue place a Go lockgate `/acquire` poll stands for. The Go client never waits on the
 * server: it polls every 2 s. With an AcquirerId the place is the acquirer's, the same on every
 * instance (its id is derived from it), and each poll renews it. Without one, polls cannot be
 * told apart, so a caller (credentials, lock, mode) that polls a second time within one poll
 * interval is taken to be a blocking client and gets a place; its first "should wait" leaves
 * none, so a non-blocking try never holds the lock up. The place is handed out once: the poll
 * that finds it granted takes it, and the caller's next wait starts a new place.
 */
export class GoQueuePlaces {
  readonly #anonymous = new Map<string, { id: string; polledAt: number; joined: boolean }>();
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /**
   * The place this poll stands for: the request id it acquires with, whether it waits in the
   * queue (`join`) or only tries (a first anonymous poll), and, for an anonymous caller, the key
   * its polls are known by (`waiting` and `granted` take the place back).
   */
  placeFor(poll: GoPoll): GoPlace {
    if (poll.acquirerId) {
      return { id: `go-${digest(`${poll.name}\0${poll.shared}\0${poll.acquirerId}`)}`, join: true };
    }
    const key = digest(`${poll.caller}\0${poll.name}\0${poll.shared}`);
    const now = this.#now();
    const known = this.#anonymous.get(key);
    if (known && (known.joined || now - known.polledAt <= NEXT_POLL_WITHIN_MS)) {
      known.polledAt = now;
      known.joined = true;
      return { id: known.id, join: true, key };
    }
    return { id: crypto.randomUUID(), join: false, key };
  }

  /** The poll got "should wait": remember it, so its next poll is known as the same caller's. */
  waiting(place: GoPlace): void {
    if (place.key === undefined) return;
    if (this.#anonymous.get(place.key)?.id === place.id) return;
    this.#anonymous.delete(place.key);
    this.#anonymous.set(place.key, { id: place.id, polledAt: this.#now(), joined: false });
    if (this.#anonymous.size > MAX_REMEMBERED) {
      const oldest = this.#anonymous.keys().next().value;
      if (oldest !== undefined) this.#anonymous.delete(oldest);
    }
  }

  /** The poll took the lock: its place is used up. */
  granted(place: GoPlace): void {
    if (place.key !== undefined) this.#anonymous.delete(place.key);
  }
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}
