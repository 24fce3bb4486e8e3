import { LockgateError } from "./errors.ts";
import type { JsonValue } from "./json-value.ts";
import type { HolderEntry, LockRecord, QueueEntry, RecordCodec } from "./lock-record.ts";
import { setNewest } from "./newest-entries.ts";

const FORMAT = 1;

/**
 * Records decoded lately, by their text. Every locker of a process that follows one lock reads
 * the same answer of the store (often the very same string); records are immutable, so one
 * decode serves them all. Small: only the latest versions of busy locks are asked for again.
 */
const recentlyDecoded = new Map<string, LockRecord>();
const RECENT_LIMIT = 64;

/** The default codec: `{"lockgate":1,"name":…,"token":…,"holders":[…],"queue":[…]}`. */
export const jsonRecordCodec: RecordCodec = {
  // Records hold JSON values only (JsonValue), and every field is written.
  lossless: true,
  encode(record) {
    return JSON.stringify(recordFields(record));
  },
  decode(value, key) {
    const recent = recentlyDecoded.get(value);
    if (recent !== undefined && recent.name === key) return recent;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (cause) {
      throw corrupt(key, "it is not JSON", cause);
    }
    const record = parseRecord(parsed, key);
    setNewest(recentlyDecoded, value, record, RECENT_LIMIT);
    return record;
  },
};

/** lockgate's fields of a record, for codecs that write them beside a foreign format's. */
export function recordFields(record: LockRecord): Record<string, unknown> {
  return {
    lockgate: FORMAT,
    name: record.name,
    token: record.token,
    holders: record.holders,
    queue: record.queue,
  };
}

/** Validates a parsed record so that a foreign or truncated value can never act as a lock. */
export function parseRecord(parsed: unknown, key: string): LockRecord {
  if (!isObject(parsed)) throw corrupt(key, "it is not a JSON object");
  if (parsed.lockgate !== FORMAT) {
    throw corrupt(key, `its "lockgate" format field is ${JSON.stringify(parsed.lockgate)}`);
  }
  const name = parsed.name;
  if (typeof name !== "string") throw corrupt(key, `"name" is not a string`);
  const token = parsed.token;
  if (!isCount(token)) throw corrupt(key, `"token" is not a non-negative integer`);
  if (!Array.isArray(parsed.holders)) throw corrupt(key, `"holders" is not an array`);
  if (!Array.isArray(parsed.queue)) throw corrupt(key, `"queue" is not an array`);
  const holders = parsed.holders.map((h, i) => parseHolder(h, key, `holders[${i}]`));
  const queue = parsed.queue.map((q, i) => parseQueueEntry(q, key, `queue[${i}]`));
  for (const h of holders) {
    if (h.token > token) throw corrupt(key, `holder ${h.id} has a token above the counter`);
  }
  return { name, token, holders, queue };
}

function parseHolder(raw: unknown, key: string, where: string): HolderEntry {
  const base = parseLease(raw, key, where);
  const r = raw as Record<string, unknown>;
  if (!isCount(r.token)) throw corrupt(key, `${where}.token is not a non-negative integer`);
  if (!isFiniteNumber(r.acquiredAt)) throw corrupt(key, `${where}.acquiredAt is not a number`);
  return { ...base, token: r.token, acquiredAt: r.acquiredAt };
}

function parseQueueEntry(raw: unknown, key: string, where: string): QueueEntry {
  const base = parseLease(raw, key, where);
  const r = raw as Record<string, unknown>;
  if (!isFiniteNumber(r.enqueuedAt)) throw corrupt(key, `${where}.enqueuedAt is not a number`);
  return { ...base, enqueuedAt: r.enqueuedAt };
}

function parseLease(raw: unknown, key: string, where: string) {
  if (!isObject(raw)) throw corrupt(key, `${where} is not an object`);
  if (typeof raw.id !== "string" || raw.id === "") throw corrupt(key, `${where}.id is missing`);
  if (typeof raw.shared !== "boolean") throw corrupt(key, `${where}.shared is not a boolean`);
  if (!isFiniteNumber(raw.ttl) || raw.ttl <= 0) throw corrupt(key, `${where}.ttl is not positive`);
  if (!isCount(raw.beat)) throw corrupt(key, `${where}.beat is not a non-negative integer`);
  if (!isFiniteNumber(raw.renewedAt)) throw corrupt(key, `${where}.renewedAt is not a number`);
  if (raw.acquirerId !== undefined && typeof raw.acquirerId !== "string") {
    throw corrupt(key, `${where}.acquirerId is not a string`);
  }
  if (raw.limit !== undefined && !(isCount(raw.limit) && (raw.limit as number) >= 2)) {
    throw corrupt(key, `${where}.limit is not an integer of at least 2`);
  }
  return {
    id: raw.id,
    shared: raw.shared,
    ttl: raw.ttl,
    beat: raw.beat,
    renewedAt: raw.renewedAt,
    ...(raw.acquirerId === undefined ? {} : { acquirerId: raw.acquirerId }),
    ...(raw.value === undefined ? {} : { value: raw.value as JsonValue }),
    ...(raw.limit === undefined ? {} : { limit: raw.limit as number }),
  };
}

function corrupt(key: string, why: string, cause?: unknown): LockgateError {
  return new LockgateError(
    "corrupt-record",
    `The store value at ${JSON.stringify(key)} is not a lockgate record: ${why}. ` +
      "Nothing was granted from it; remove or repair that value.",
    { cause },
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}
