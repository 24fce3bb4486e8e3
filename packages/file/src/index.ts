export { FileLocker, type FileLockerOptions } from "./file-locker.ts";
export { FileStore, type FileStoreOptions } from "./file-store.ts";
