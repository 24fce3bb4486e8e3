import { Locker, type LockerOptions, StoreLeaseBackend } from "@lockgate/core";
import { FileStore, type FileStoreOptions } from "./file-store.ts";

export type FileLockerOptions = LockerOptions & FileStoreOptions;

/**
 * Locks shared by every process on this host that uses the same directory: shared or
 * exclusive, blocking or not, with fencing tokens and leases. Creates the directory if needed.
 */
export class FileLocker extends Locker {
  readonly store: FileStore;

  constructor(dir: string, options: FileLockerOptions = {}) {
    const store = new FileStore(dir, options);
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
