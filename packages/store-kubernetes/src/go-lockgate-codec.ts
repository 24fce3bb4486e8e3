import {
  emptyRecord,
  type HolderEntry,
  LockgateError,
  type LockRecord,
  parseRecord,
  type RecordCodec,
  recordFields,
} from "@lockgate/core";

export interface GoLockgateCodecOptions {
  /** Go lockgate's lease length in ms: how long after its last renewal a Go holder counts as live. Default 10 000. */
  goLeaseTtl?: number;
  /** Added to the expiry we write for Go readers, who trust wall clocks. Default 5 000 ms. */
  goExpiryMargin?: number;
  /** Wall clock in ms. */
  now?: () => number;
}

/** Go lockgate's fields of a record (lockgate's `LockLeaseRecord`), as it writes and reads them. */
interface GoRecord {
  uuid: string;
  lockName: string;
  ExpireAtTimestamp: number;
  SharedHoldersCount: number;
  IsShared: boolean;
  QueueMembers: Record<
    string,
    { AcquirerId: string; AcquiredAtTimestamp: number; ExpireAtTimestamp: number }
  >;
}

/** Marks a holder entry that stands for a Go lockgate holder: its fields, kept to write back unchanged. */
const GO_HOLDER = "goLockgate";

interface GoHolderValue {
  ExpireAtTimestamp: number;
  SharedHoldersCount: number;
  IsShared: boolean;
}

/**
 * Records that Go lockgate (werf) reads and respects, and that respect Go lockgate's.
 *
 * Encoding: lockgate's own fields plus Go's beside them (`uuid`, `lockName`, `ExpireAtTimestamp`,
 * `SharedHoldersCount`, `IsShared`, `QueueMembers`). A lock we hold shows Go an exclusive holder
 * (`SharedHoldersCount` 1, as Go writes for one) whose lease ends `goExpiryMargin` after ours
 * would, by our wall clock; our waiters are Go queue members, so Go acquirers with an acquirer id
 * wait behind them. A free lock with nobody waiting is not written to the lock annotation at all
 * (see `isFreeGoLockgateRecord` and KubernetesStore's `isFree`): Go deletes the annotation on its
 * last release, and reads an absent one as free.
 *
 * Decoding a record Go wrote (Go drops fields it does not know, so ours are gone): a Go holder
 * (a uuid and a holder count above 0) becomes one holder entry, taken over only when both rules
 * say its lease has ended: its ExpireAtTimestamp has passed by our wall clock (Go's own rule),
 * and `goLeaseTtl` has passed since we first saw its current ExpireAtTimestamp (our monotonic
 * rule). Waiting for the later of the two is the safe side: a Go host whose clock runs behind
 * ours is not taken over early, nor is one whose renewals we stopped seeing. A record Go left
 * with no holder (count 0, after a release with waiters queued) is free. Go's shared holders
 * count as exclusive to us, and ours as exclusive to Go: mixing them would let one side's writes
 * erase the other's holders.
 *
 * Fencing: Go keeps no counter. While a lock is free ours is kept in the store's meta annotation,
 * so a Go holder that comes and goes while none of ours touches the lock leaves it as it was.
 * When we take a lock over from a Go holder (the record is Go's, ours is gone), the counter is
 * seeded from the wall clock in ms, and never below the highest token this process has seen for
 * that name: tokens increase across such takeovers as far as the hosts' clocks do, or better.
 */
export function goLockgateCodec(options: GoLockgateCodecOptions = {}): RecordCodec {
  const goLeaseTtl = options.goLeaseTtl ?? 10_000;
  const margin = options.goExpiryMargin ?? 5_000;
  const now = options.now ?? Date.now;
  const firstSeen = new Map<string, { beatKey: string; wallAt: number }>();
  const highest = new Map<string, number>();
  const noteToken = (record: LockRecord): LockRecord => {
    if ((highest.get(record.name) ?? -1) < record.token) {
      if (!highest.has(record.name) && highest.size >= FIRST_SEEN_LIMIT)
        highest.delete(highest.keys().next().value ?? "");
      highest.set(record.name, record.token);
    }
    return record;
  };

  return {
    encode(record) {
      const go: GoRecord = {
        uuid: "",
        lockName: record.name,
        ExpireAtTimestamp: 0,
        SharedHoldersCount: 0,
        IsShared: false,
        QueueMembers: {},
      };
      const goHolder = record.holders.find((h) => goHolderValue(h) !== undefined);
      const kept = goHolder && goHolderValue(goHolder);
      if (goHolder && kept) {
        go.uuid = goHolder.id;
        go.ExpireAtTimestamp = kept.ExpireAtTimestamp;
        go.SharedHoldersCount = kept.SharedHoldersCount;
        go.IsShared = kept.IsShared;
      } else if (record.holders.length > 0) {
        go.uuid = record.holders[0]?.id ?? "";
        go.SharedHoldersCount = 1;
        go.ExpireAtTimestamp = Math.max(
          ...record.holders.map((h) => Math.ceil((h.renewedAt + h.ttl + margin) / 1000)),
        );
      }
      for (const waiter of record.queue) {
        const id = waiter.acquirerId ?? waiter.id;
        go.QueueMembers[id] = {
          AcquirerId: id,
          AcquiredAtTimestamp: Math.floor(waiter.enqueuedAt / 1000),
          ExpireAtTimestamp: Math.ceil((waiter.renewedAt + waiter.ttl) / 1000),
        };
      }
      noteToken(record);
      return JSON.stringify({ ...go, ...recordFields(record) });
    },

    decode(value, key) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch (cause) {
        throw corrupt(key, "it is not JSON", cause);
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        throw corrupt(key, "it is not a JSON object");
      const fields = parsed as Record<string, unknown>;
      // Our fields present: we wrote it last (a Go write would have dropped them).
      if (fields.lockgate !== undefined) return noteToken(parseRecord(parsed, key));
      return fromGo(fields, key);
    },

    absent(key) {
      return emptyRecord(key, Math.max(now(), (highest.get(key) ?? -1) + 1));
    },
  };

  function fromGo(fields: Record<string, unknown>, key: string): LockRecord {
    if (typeof fields.lockName !== "string")
      throw corrupt(key, "it has neither lockgate's fields nor Go lockgate's lockName");
    const expireAt = fields.ExpireAtTimestamp;
    const uuid = fields.uuid;
    if (typeof expireAt !== "number" || !Number.isFinite(expireAt))
      throw corrupt(key, "ExpireAtTimestamp is not a number");
    const count = typeof fields.SharedHoldersCount === "number" ? fields.SharedHoldersCount : 1;
    const wallNow = now();
    const seed = Math.max(wallNow, (highest.get(fields.lockName) ?? -1) + 1);
    const record = emptyRecord(fields.lockName, seed);
    if (typeof uuid !== "string" || uuid === "" || count <= 0) {
      firstSeen.delete(fields.lockName);
      return record;
    }
    // When we first saw this lease as it is now, by our wall clock: the monotonic rule counts
    // from about then, so a ttl reaching past Go's own expiry makes the later of the two win.
    const beatKey = `${uuid}\u0000${expireAt}`;
    let seen = firstSeen.get(fields.lockName);
    if (seen?.beatKey !== beatKey) {
      seen = { beatKey, wallAt: wallNow };
      firstSeen.delete(fields.lockName);
      if (firstSeen.size >= FIRST_SEEN_LIMIT) firstSeen.delete(firstSeen.keys().next().value ?? "");
      firstSeen.set(fields.lockName, seen);
    }
    const kept: GoHolderValue = {
      ExpireAtTimestamp: expireAt,
      SharedHoldersCount: count,
      IsShared: fields.IsShared === true,
    };
    const holder: HolderEntry = {
      id: uuid,
      shared: false,
      ttl: Math.max(goLeaseTtl, expireAt * 1000 - seen.wallAt),
      // Each Go renewal moves ExpireAtTimestamp: that is the beat observers watch.
      beat: Math.max(0, Math.trunc(expireAt)),
      renewedAt: expireAt * 1000 - goLeaseTtl,
      token: seed,
      acquiredAt: expireAt * 1000 - goLeaseTtl,
      value: { [GO_HOLDER]: { ...kept } },
    };
    return { ...record, holders: [holder] };
  }
}

/** Go holders' first sightings kept per codec: one per lock name, the oldest dropped past this. */
const FIRST_SEEN_LIMIT = 10_000;

/**
 * True for a record of ours with no holder and no waiter: a free lock, which Go lockgate
 * expects to find absent. Pass it as KubernetesStore's `isFree` with this codec.
 */
export function isFreeGoLockgateRecord(value: string): boolean {
  // Cheap test first: every record with a holder or a waiter has a non-empty array there.
  if (!value.includes('"holders":[]') || !value.includes('"queue":[]')) return false;
  try {
    const parsed = JSON.parse(value) as { lockgate?: unknown; holders?: unknown; queue?: unknown };
    return (
      parsed.lockgate !== undefined &&
      Array.isArray(parsed.holders) &&
      parsed.holders.length === 0 &&
      Array.isArray(parsed.queue) &&
      parsed.queue.length === 0
    );
  } catch {
    return false;
  }
}

function goHolderValue(holder: HolderEntry): GoHolderValue | undefined {
  const value = holder.value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const kept = (value as Record<string, unknown>)[GO_HOLDER];
  return typeof kept === "object" && kept !== null ? (kept as unknown as GoHolderValue) : undefined;
}

function corrupt(key: string, why: string, cause?: unknown): LockgateError {
  return new LockgateError(
    "corrupt-record",
    `The annotation of lock ${JSON.stringify(key)} is neither a lockgate nor a Go lockgate record: ${why}. ` +
      "Nothing was granted from it; remove or repair that annotation.",
    { cause },
  );
}
