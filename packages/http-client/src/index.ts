export { HttpLeaseBackend, type HttpLeaseBackendOptions } from "./http-lease-backend.ts";
export { HttpLocker, type HttpLockerOptions } from "./http-locker.ts";
