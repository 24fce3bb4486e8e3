import { Locker, type LockerOptions, StoreLeaseBackend } from "@lockgate/core";
import { EtcdStore, type EtcdStoreOptions } from "./etcd-store.ts";

export type EtcdLockerOptions = LockerOptions & EtcdStoreOptions;

/** Locks shared by every process that reaches the etcd cluster. */
export class EtcdLocker extends Locker {
  readonly store: EtcdStore;

  constructor(options: EtcdLockerOptions = {}) {
    const store = new EtcdStore(options);
    super(
      new StoreLeaseBackend(store, {
        closeStore: true,
        ...(options.clock === undefined ? {} : { clock: options.clock }),
        ...(options.random === undefined ? {} : { random: options.random }),
        ...(options.onError === undefined ? {} : { onError: options.onError }),
      }),
      options,
    );
    this.store = store;
  }
}
