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

/**
 * A store that can lose a record's latest writes, as files written without fsync can in a power
 * cut: it marks the records it still has from before the loss with a floor above every token
 * that could have been issued, and refuses a write below it.
 */
class RolledBackStore extends FlooredStore {
  floored = new Set<string>();

  override async get(key: string): Promise<StoreRecord> {
    const record = await this.inner.get(key);
    return record.value !== null && this.floored.has(key)
      ? { ...record, floor: this.floor }
      : record;
  }

  override async put(
    key: string,
    value: string | null,
    expected: string | null,
  ): Promise<string | null> {
    if (this.floored.has(key) && value !== null && (JSON.parse(value).token as number) < this.floor)
      throw new LockgateError("conflict", "below the floor");
    const version = await this.inner.put(key, value, expected);
    this.floored.delete(key);
    return version;
  }
}

it("a present record with a floor goes on above it: no token of the lost writes is issued again", async () => {
  const store = new RolledBackStore();
  const before = createLocker(store);
  for (let i = 0; i < 3; i++) await (await before.acquire("job")).release();
  const kept = await store.inner.get("job");
  // Two more grants (tokens 4 and 5), then the store goes back to the record it kept.
  for (let i = 0; i < 2; i++) await (await before.acquire("job")).release();
  await before.close();
  await store.inner.put("job", kept.value, (await store.inner.get("job")).version);
  store.floored.add("job");
  store.floor = 1_000;
  const after = createLocker(store);
  const lock = await after.acquire("job");
  expect(lock.fencingToken).toBe(1_001);
  await lock.release();
  // Written since: no floor any more, tokens go on by one.
  expect((await after.acquire("job")).fencingToken).toBe(1_002);
  await after.close();
});
