import { createStoreLeaseBackend, Locker, type LockerOptions } from "@lockgate/core";
import { RedisStore, type RedisStoreOptions } from "./redis-store.ts";

export type RedisLockerOptions = LockerOptions & RedisStoreOptions;

/** Locks shared by every process that reaches the Redis server (or cluster). */
export class RedisLocker extends Locker {
  readonly store: RedisStore;

  constructor(options: RedisLockerOptions = {}) {
    const store = new RedisStore(options);
    super(createStoreLeaseBackend(store, { ...options, closeStore: true }), options);
    this.store = store;
  }
}
