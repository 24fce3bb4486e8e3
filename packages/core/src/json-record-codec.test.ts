import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isLockgateError } from "./errors.ts";
import { jsonRecordCodec } from "./json-record-codec.ts";
import type { LockRecord } from "./lock-record.ts";

const record: LockRecord = {
  name: "deploy/prod",
  token: 7,
  holders: [
    {
      id: "h1",
      shared: true,
      ttl: 10_000,
      beat: 3,
      renewedAt: 1,
      token: 6,
      acquiredAt: 0,
      acquirerId: "ci",
      value: { host: "a" },
    },
    { id: "h2", shared: true, ttl: 10_000, beat: 0, renewedAt: 2, token: 7, acquiredAt: 2 },
  ],
  queue: [{ id: "w1", shared: false, ttl: 5_000, beat: 1, renewedAt: 3, enqueuedAt: 2 }],
};

function expectCorrupt(value: string): void {
  try {
    jsonRecordCodec.decode(value, "k");
  } catch (error) {
    expect(isLockgateError(error, "corrupt-record"), String(error)).toBe(true);
    return;
  }
  throw new Error(`decoded ${JSON.stringify(value)} without complaint`);
}

describe("jsonRecordCodec", () => {
  it("round-trips a record", () => {
    expect(jsonRecordCodec.decode(jsonRecordCodec.encode(record), "k")).toEqual(record);
  });

  it("rejects truncated, foreign and ill-typed values with corrupt-record", () => {
    const good = jsonRecordCodec.encode(record);
    for (let cut = 0; cut < good.length; cut += 7) expectCorrupt(good.slice(0, cut));
    expectCorrupt("null");
    expectCorrupt("[]");
    expectCorrupt('{"uuid":"x","lockName":"deploy/prod","ExpireAtTimestamp":1}');
    expectCorrupt(good.replace('"lockgate":1', '"lockgate":2'));
    expectCorrupt(good.replace('"token":7', '"token":-1'));
    expectCorrupt(good.replace('"token":7', '"token":5')); // a holder above the counter
    expectCorrupt(good.replace('"shared":true', '"shared":"yes"'));
    expectCorrupt(good.replace('"ttl":5000', '"ttl":0'));
    expectCorrupt(good.replace('"id":"w1"', '"id":""'));
  });

  it("never throws anything but corrupt-record, whatever the input", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.json(), fc.constant(jsonRecordCodec.encode(record))),
        (value) => {
          try {
            const decoded = jsonRecordCodec.decode(value, "k");
            expect(typeof decoded.name).toBe("string");
          } catch (error) {
            expect(isLockgateError(error, "corrupt-record")).toBe(true);
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
