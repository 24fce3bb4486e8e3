export { type ConformanceCase, type StoreFactoryOptions, withStore } from "./conformance-case.ts";
export { FaultInjectingStore, type FaultInjectingStoreOptions } from "./fault-injecting-store.ts";
export {
  type ConnectionFaults,
  type ConnectOptions,
  type LockerConformanceOptions,
  type LockerConnection,
  type LockerSite,
  lockerConformanceCases,
} from "./locker-cases.ts";
export { type StoreConformanceOptions, storeConformanceCases } from "./store-cases.ts";
