import { createLocker, emptyRecord, jsonRecordCodec } from "@lockgate/core";
import { describeStoreConformance } from "@lockgate/store-conformance/vitest";
import { describe, expect, it } from "vitest";
import { MemoryStore } from "./memory-store.ts";

describeStoreConformance("MemoryStore", {
  createStore: () => new MemoryStore(),
  capabilities: new MemoryStore().capabilities,
});

describe("MemoryStore records kept as objects", () => {
  it("gives a Locker's record back as the object it wrote, and its JSON to readers of value", async () => {
    const store = new MemoryStore();
    const locker = createLocker(store);
    const lock = await locker.acquire("jobs", { value: { host: "a" } });
    const stored = await store.get("jobs");
    expect(stored.record?.holders.map((h) => h.id)).toEqual([lock.id]);
    expect(jsonRecordCodec.decode(stored.value as string, "jobs")).toEqual(stored.record);
    expect(JSON.parse(stored.value as string)).toMatchObject({ lockgate: 1, token: 1 });
    await lock.release();
    await locker.close();
  });

  it("refuses a record write on a stale version, and a text write on the record's version works", async () => {
    const store = new MemoryStore();
    const v1 = await store.putRecord("k", emptyRecord("k"), null);
    await expect(store.putRecord("k", emptyRecord("k", 1), null)).rejects.toMatchObject({
      code: "conflict",
    });
    const text = jsonRecordCodec.encode(emptyRecord("k", 5));
    const v2 = await store.put("k", text, v1);
    expect(await store.get("k")).toEqual({ value: text, version: v2 });
    // A Locker goes on from a record written as text by someone else.
    const locker = createLocker(store);
    const lock = await locker.acquire("k");
    expect(lock.fencingToken).toBe(6);
    await locker.close();
  });

  it("delivers record writes to watchers in order", async () => {
    const store = new MemoryStore();
    const controller = new AbortController();
    const seen: (number | undefined)[] = [];
    const reading = (async () => {
      for await (const item of store.watch("k", controller.signal)) {
        seen.push(item.record?.token);
        if (seen.length === 3) controller.abort();
      }
    })();
    const v1 = await store.putRecord("k", emptyRecord("k", 1), null);
    await store.putRecord("k", emptyRecord("k", 2), v1);
    await reading;
    expect(seen).toEqual([undefined, 1, 2]);
  });
});
