import { jsonRecordCodec } from "./json-record-codec.ts";
import type { LockRecord } from "./lock-record.ts";
import type { StoreRecord } from "./lock-store.ts";

/**
 * A version of a key whose record is kept as an object (`LockStore.putRecord`): its JSON text,
 * which only a reader of `value` needs (a status page, a foreign tool), is made once, if asked.
 */
export class StructuredRecord implements StoreRecord {
  readonly record: LockRecord;
  /**
   * A store that counts versions passes the number: it is kept as a small integer and the
   * string made when read (V8 caches recent conversions), where a string per lock would cost
   * a lock server 24 bytes for each of 100,000 locks held.
   */
  readonly #version: string | number;
  #text: string | undefined;

  constructor(record: LockRecord, version: string | number) {
    this.record = record;
    this.#version = version;
  }

  get version(): string {
    const version = this.#version;
    return typeof version === "string" ? version : String(version);
  }

  get value(): string {
    this.#text ??= jsonRecordCodec.encode(this.record);
    return this.#text;
  }
}
