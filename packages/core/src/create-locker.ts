import type { LockStore } from "./lock-store.ts";
import { Locker, type LockerOptions } from "./locker.ts";
import { StoreLeaseBackend, type StoreLeaseBackendOptions } from "./store-lease-backend.ts";

export type StoreLockerOptions = LockerOptions &
  Omit<StoreLeaseBackendOptions, "clock" | "random" | "onError">;

/** A Locker running the lease algorithm over `store`. */
export function createLocker(store: LockStore, options: StoreLockerOptions = {}): Locker {
  const { codec, pollInterval, closeStore, ...lockerOptions } = options;
  const backend = new StoreLeaseBackend(store, {
    ...(codec === undefined ? {} : { codec }),
    ...(pollInterval === undefined ? {} : { pollInterval }),
    ...(closeStore === undefined ? {} : { closeStore }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
  return new Locker(backend, lockerOptions);
}
