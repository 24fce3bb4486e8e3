export { FileLocker, type FileLockerOptions } from "./file-locker.ts";
export {
  type CompactOptions,
  type CompactResult,
  FileStore,
  type FileStoreOptions,
} from "./file-store.ts";
