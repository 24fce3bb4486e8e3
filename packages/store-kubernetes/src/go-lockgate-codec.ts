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
 * whose lease ends `goExpiryMargin` after ours would, by our wall clock; our waiters are Go queue
 * members, so Go acquirers with an acquirer id wait behind them.
 *
 * Decoding a record Go wrote (Go drops fields it does not know, so ours are gone): a live Go
 * holder becomes one holder entry. It is live until its ExpireAtTimestamp passes by our wall clock
 * (Go's own rule, which every Go client applies) or `goLeaseTtl` after we last saw it renewed
 * (our monotonic rule), whichever comes first. Go's shared holders count as exclusive to us, and
 * ours as exclusive to Go: mixing them would let one side's writes erase the other's holders.
 *
 * Fencing: Go keeps no counter, so when a record is created or taken over from Go the counter is
 * seeded from the wall clock in ms; from there each grant adds one. Tokens are therefore
 * increasing across Go takeovers only as far as the hosts' clocks are.
 */
export function goLockgateCodec(options: GoLockgateCodecOptions = {}): RecordCodec {
  const goLeaseTtl = options.goLeaseTtl ?? 10_000;
  const margin = options.goExpiryMargin ?? 5_000;
  const now = options.now ?? Date.now;

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
      if (fields.lockgate !== undefined) return parseRecord(parsed, key);
      return fromGo(fields, key);
    },

    absent(key) {
      return emptyRecord(key, now());
    },
  };

  function fromGo(fields: Record<string, unknown>, key: string): LockRecord {
    if (typeof fields.lockName !== "string")
      throw corrupt(key, "it has neither lockgate's fields nor Go lockgate's lockName");
    const expireAt = fields.ExpireAtTimestamp;
    const uuid = fields.uuid;
    if (typeof expireAt !== "number" || !Number.isFinite(expireAt))
      throw corrupt(key, "ExpireAtTimestamp is not a number");
    const seed = now();
    const record = emptyRecord(fields.lockName, seed);
    // Go's rule, applied by every Go client: a lease whose ExpireAtTimestamp has passed is free.
    if (typeof uuid !== "string" || uuid === "" || expireAt * 1000 <= seed) return record;
    const kept: GoHolderValue = {
      ExpireAtTimestamp: expireAt,
      SharedHoldersCount:
        typeof fields.SharedHoldersCount === "number" ? fields.SharedHoldersCount : 0,
      IsShared: fields.IsShared === true,
    };
    const holder: HolderEntry = {
      id: uuid,
      shared: false,
      ttl: goLeaseTtl,
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
