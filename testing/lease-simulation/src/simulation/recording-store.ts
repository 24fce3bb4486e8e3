import {
  type Clock,
  jsonRecordCodec,
  type LockRecord,
  type LockStore,
  type StoreRecord,
} from "@lockgate/core";

export interface Commit {
  /** Position in the global order of simulation events. */
  readonly seq: number;
  /** Real (driven) time of the commit. */
  readonly time: number;
  readonly before: LockRecord | null;
  readonly after: LockRecord | null;
}

/** Logs every committed write in linearization order: the history the checker judges. */
export class RecordingStore implements LockStore {
  readonly commits: Commit[] = [];
  readonly #inner: LockStore;
  readonly #clock: Clock;
  readonly #nextSeq: () => number;

  constructor(inner: LockStore, clock: Clock, nextSeq: () => number) {
    this.#inner = inner;
    this.#clock = clock;
    this.#nextSeq = nextSeq;
  }

  get capabilities(): LockStore["capabilities"] {
    return this.#inner.capabilities;
  }

  get(key: string): Promise<StoreRecord> {
    return this.#inner.get(key);
  }

  async put(key: string, value: string | null, expected: string | null): Promise<string | null> {
    // The memory store decides synchronously, so reading "before" here cannot race.
    const before = await this.#inner.get(key);
    const version = await this.#inner.put(key, value, expected);
    this.commits.push({
      seq: this.#nextSeq(),
      time: this.#clock.now(),
      before: before.value === null ? null : jsonRecordCodec.decode(before.value, key),
      after: value === null ? null : jsonRecordCodec.decode(value, key),
    });
    return version;
  }

  watch(key: string, signal: AbortSignal): AsyncIterable<StoreRecord> {
    return (this.#inner.watch as NonNullable<LockStore["watch"]>).call(this.#inner, key, signal);
  }
}
