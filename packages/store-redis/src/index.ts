export { RedisLocker, type RedisLockerOptions } from "./redis-locker.ts";
export { RedisStore, type RedisStoreOptions } from "./redis-store.ts";
