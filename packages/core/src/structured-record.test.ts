import { describe, expect, it } from "vitest";
import { jsonRecordCodec } from "./json-record-codec.ts";
import { emptyRecord } from "./lock-record.ts";
import { StructuredRecord } from "./structured-record.ts";

describe("StructuredRecord", () => {
  it("reads a counted version as the same string every time, and a text version as given", () => {
    const counted = new StructuredRecord(emptyRecord("a", 3), 41);
    expect(counted.version).toBe("41");
    expect(counted.version).toBe(counted.version);
    expect(new StructuredRecord(emptyRecord("a"), "rev-7").version).toBe("rev-7");
  });

  it("makes the record's JSON text only when asked, the codec's own text", () => {
    const record = emptyRecord("b", 9);
    const stored = new StructuredRecord(record, 1);
    expect(stored.record).toBe(record);
    expect(stored.value).toBe(jsonRecordCodec.encode(record));
    expect(jsonRecordCodec.decode(stored.value, "b")).toEqual(record);
  });
});
