import { createStoreLeaseBackend, Locker, type LockerOptions } from "@lockgate/core";
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
    super(createStoreLeaseBackend(store, { ...options, closeStore: true }), options);
    this.store = store;
  }
}
