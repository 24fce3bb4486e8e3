import { createStoreLeaseBackend, Locker, type LockerOptions } from "@lockgate/core";
import { PostgresStore, type PostgresStoreOptions } from "./postgres-store.ts";

export type PostgresLockerOptions = LockerOptions & PostgresStoreOptions;

/** Locks shared by every process that reaches the PostgreSQL database. */
export class PostgresLocker extends Locker {
  readonly store: PostgresStore;

  constructor(options: PostgresLockerOptions = {}) {
    const store = new PostgresStore(options);
    super(createStoreLeaseBackend(store, { ...options, closeStore: true }), options);
    this.store = store;
  }
}
