import { emptyRecord, type LockRecord } from "@lockgate/core";
import { describe, expect, it } from "vitest";
import { goLockgateCodec, isFreeGoLockgateRecord } from "./go-lockgate-codec.ts";

const goRecord = (fields: Partial<Record<string, unknown>>) =>
  JSON.stringify({
    uuid: "5f0c8a51-0000-4000-8000-000000000000",
    lockName: "deploy",
    ExpireAtTimestamp: 0,
    SharedHoldersCount: 1,
    IsShared: false,
    QueueMembers: null,
    ...fields,
  });

const held = (now: number): LockRecord => ({
  ...emptyRecord("deploy", 41),
  holders: [
    {
      id: "ours",
      shared: false,
      ttl: 10_000,
      beat: 1,
      renewedAt: now,
      token: 41,
      acquiredAt: now,
    },
  ],
});

describe("goLockgateCodec", () => {
  it("writes an exclusive holder as Go does: SharedHoldersCount 1, IsShared false", () => {
    const now = 1_800_000_000_000;
    const go = JSON.parse(goLockgateCodec({ now: () => now }).encode(held(now)));
    expect(go).toMatchObject({ uuid: "ours", SharedHoldersCount: 1, IsShared: false });
    expect(go.ExpireAtTimestamp).toBe(Math.ceil((now + 10_000 + 5_000) / 1000));
  });

  it("a Go lease ahead of our clock is waited for until it ends (the later rule wins)", () => {
    let now = 1_800_000_000_000;
    const codec = goLockgateCodec({ now: () => now, goLeaseTtl: 10_000 });
    // ExpireAtTimestamp 60 s ahead: a Go clock ahead of ours, or a long lease.
    const value = goRecord({ ExpireAtTimestamp: now / 1000 + 60 });
    const first = codec.decode(value, "deploy");
    expect(first.holders[0]?.ttl).toBe(60_000);
    // Decoded again later (another change of the object): counted from the first sight.
    now += 30_000;
    expect(codec.decode(value, "deploy").holders[0]?.ttl).toBe(60_000);
  });

  it("a Go lease whose ExpireAtTimestamp has passed is still a holder for goLeaseTtl from first sight", () => {
    const now = 1_800_000_000_000;
    const codec = goLockgateCodec({ now: () => now, goLeaseTtl: 10_000 });
    const record = codec.decode(goRecord({ ExpireAtTimestamp: now / 1000 - 3_600 }), "deploy");
    expect(record.holders).toHaveLength(1);
    expect(record.holders[0]?.ttl).toBe(10_000);
  });

  it("a Go record with no holder (count 0 or no uuid) is free", () => {
    const now = 1_800_000_000_000;
    const codec = goLockgateCodec({ now: () => now });
    const future = now / 1000 + 60;
    expect(
      codec.decode(goRecord({ SharedHoldersCount: 0, ExpireAtTimestamp: future }), "deploy")
        .holders,
    ).toEqual([]);
    expect(
      codec.decode(goRecord({ uuid: "", ExpireAtTimestamp: future }), "deploy").holders,
    ).toEqual([]);
  });

  it("a takeover from Go never seeds the counter below a token this process has seen", () => {
    const now = 1_800_000_000_000;
    const codec = goLockgateCodec({ now: () => now });
    codec.decode(codec.encode({ ...held(now), token: now + 5_000 }), "deploy");
    const fromGo = codec.decode(goRecord({ ExpireAtTimestamp: now / 1000 + 10 }), "deploy");
    expect(fromGo.token).toBeGreaterThan(now + 5_000);
    expect(codec.absent?.("deploy").token).toBeGreaterThan(now + 5_000);
  });

  it("isFreeGoLockgateRecord: only our records with no holder and no waiter", () => {
    const codec = goLockgateCodec();
    expect(isFreeGoLockgateRecord(codec.encode(emptyRecord("deploy", 7)))).toBe(true);
    expect(isFreeGoLockgateRecord(codec.encode(held(Date.now())))).toBe(false);
    expect(isFreeGoLockgateRecord(goRecord({}))).toBe(false);
    expect(isFreeGoLockgateRecord('{"holders":[],"queue":[]')).toBe(false);
  });
});
