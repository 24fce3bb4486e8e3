import { jsonRecordCodec } from "./json-record-codec.ts";
import type { LockRecord } from "./lock-record.ts";
import type { StoreRecord } from "./lock-store.ts";

/**
 * A version of a key whose record is kept as an object (`LockStore.putRecord`): its JSON text,
 * which only a reader of `value` needs (a status page, a foreign tool), is made once, if asked.
 */
export class StructuredRecord implements StoreRecord {
  readonly record: LockRecord;
  readonly version: string;
  #text: string | undefined;

  constructor(record: LockRecord, version: string) {
    this.record = record;
    this.version = version;
  }

  get value(): string {
    this.#text ??= jsonRecordCodec.encode(this.record);
    return this.#text;
  }
}
