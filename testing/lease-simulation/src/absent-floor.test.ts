import { createLocker, LockgateError, type LockStore, type StoreRecord } from "@lockgate/core";
import { MemoryStore } from "@lockgate/store-memory";
import { expect, it } from "vitest";

/**
 * A store that lost its records and says so the way Redis does: an absent key carries a floor,
 * and creating a record whose counter is below it is refused (as the Redis write script does).
 */
class FlooredStore implements LockStore {
  readonly capabilities: LockStore["capabilities"] = { watch: false, list: false };
  readonly inner = new MemoryStore();
  floor = 1_000_000;

  async get(key: string): Promise<StoreRecord> {
    const record = await this.inner.get(key);
    return record.value === null ? { ...record, floor: this.floor } : record;
  }

  async put(key: string, value: string | null, expected: string | null): Promise<string | null> {
    if (expected === null && value !== null && (JSON.parse(value).token as number) < this.floor)
      throw new LockgateError("conflict", "below the floor");
    return this.inner.put(key, value, expected);
  }
}

it("a new record starts its fencing counter at the store's floor, also after the store lost it", async () => {
  const store = new FlooredStore();
  const locker = createLocker(store);
  const first = await locker.acquire("job");
  expect(first.fencingToken).toBe(1_000_001);
  await first.release();
  // The store loses every record; its floor (a clock in a real store) has moved on.
  await store.inner.put("job", null, (await store.inner.get("job")).version);
  store.floor = 2_000_000;
  const second = await locker.acquire("job");
  expect(second.fencingToken).toBe(2_000_001);
  await second.release();
  await locker.close();
});
