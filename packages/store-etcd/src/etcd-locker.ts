import { createStoreLeaseBackend, Locker, type LockerOptions } from "@lockgate/core";
import { EtcdStore, type EtcdStoreOptions } from "./etcd-store.ts";

export type EtcdLockerOptions = LockerOptions & EtcdStoreOptions;

/** Locks shared by every process that reaches the etcd cluster. */
export class EtcdLocker extends Locker {
  readonly store: EtcdStore;

  constructor(options: EtcdLockerOptions = {}) {
    const store = new EtcdStore(options);
    super(createStoreLeaseBackend(store, { ...options, closeStore: true }), options);
    this.store = store;
  }
}
