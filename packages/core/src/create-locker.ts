import type { LockStore } from "./lock-store.ts";
import { Locker, type LockerOptions } from "./locker.ts";
import { StoreLeaseBackend, type StoreLeaseBackendOptions } from "./store-lease-backend.ts";

export type StoreLockerOptions = LockerOptions &
  Omit<StoreLeaseBackendOptions, "clock" | "random" | "onError">;

/** A Locker running the lease algorithm over `store`. */
export function createLocker(store: LockStore, options: StoreLockerOptions = {}): Locker {
  const { codec: _codec, pollInterval: _poll, closeStore: _close, ...lockerOptions } = options;
  return new Locker(createStoreLeaseBackend(store, options), lockerOptions);
}

/**
 * The backend a store's Locker runs on, sharing the Locker's clock, randomness and error hook:
 * what adapters that subclass Locker (FileLocker, EtcdLocker) pass to `super`.
 */
export function createStoreLeaseBackend(
  store: LockStore,
  options: StoreLockerOptions = {},
): StoreLeaseBackend {
  const { codec, pollInterval, closeStore, clock, random, onError } = options;
  return new StoreLeaseBackend(store, {
    ...(codec === undefined ? {} : { codec }),
    ...(pollInterval === undefined ? {} : { pollInterval }),
    ...(closeStore === undefined ? {} : { closeStore }),
    ...(clock === undefined ? {} : { clock }),
    ...(random === undefined ? {} : { random }),
    ...(onError === undefined ? {} : { onError }),
  });
}
