export { PostgresLocker, type PostgresLockerOptions } from "./postgres-locker.ts";
export { postgresSchema } from "./postgres-schema.ts";
export {
  type PostgresConnection,
  type PostgresPool,
  PostgresStore,
  type PostgresStoreOptions,
} from "./postgres-store.ts";
