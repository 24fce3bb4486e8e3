export { EtcdLocker, type EtcdLockerOptions } from "./etcd-locker.ts";
export { EtcdStore, type EtcdStoreOptions } from "./etcd-store.ts";
