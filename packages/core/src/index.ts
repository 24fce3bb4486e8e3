export { abortError, delay } from "./abortable-delay.ts";
export type { AcquireRequest, Lease } from "./acquire-request.ts";
export { type BackoffOptions, backoffDelay, jitter } from "./backoff.ts";
export { type Clock, systemClock, type TimerHandle } from "./clock.ts";
export { createLocker, createStoreLeaseBackend, type StoreLockerOptions } from "./create-locker.ts";
export {
  type CampaignOptions,
  Election,
  type LeaderInfo,
  Leadership,
} from "./election.ts";
export {
  closedError,
  formatMs,
  isLockgateError,
  LOCKGATE_ERROR_CODES,
  LockgateError,
  type LockgateErrorCode,
  type LockgateErrorOptions,
} from "./errors.ts";
export {
  type AcquirePlan,
  agreedLimit,
  isGrantable,
  JOIN_ORDER_WINDOW_MS,
  joinPosition,
  planAcquire,
  planRemove,
  planRenew,
  planSetValue,
  pruneExpired,
} from "./grant-rules.ts";
export { jsonRecordCodec, parseRecord, recordFields } from "./json-record-codec.ts";
export type { JsonValue } from "./json-value.ts";
export type { AcquireOutcome, AcquireStepOptions, LeaseBackend } from "./lease-backend.ts";
export { LeaseObserver } from "./lease-observer.ts";
export { LeaseRenewer, type LeaseRenewerOptions, type LeaseTimings } from "./lease-renewer.ts";
export { type LinkedSignal, linkSignals } from "./linked-signal.ts";
export { displayLockName, formatDuration } from "./lock-display.ts";
export { Lock } from "./lock-handle.ts";
export {
  type LockHolderInfo,
  type LockInfo,
  type LockPartyInfo,
  type LockWaiterInfo,
  lockInfoFromRecord,
} from "./lock-info.ts";
export {
  emptyRecord,
  type HolderEntry,
  type LeaseEntry,
  type LockRecord,
  type QueueEntry,
  type RecordCodec,
} from "./lock-record.ts";
export type { LockStore, StoreCapabilities, StoreRecord } from "./lock-store.ts";
export {
  type AcquireOptions,
  Locker,
  type LockerOptions,
  type NonBlockingAcquireOptions,
} from "./locker.ts";
export {
  MAX_LOCK_NAME_LENGTH,
  validateLease,
  validateLockName,
  validateTimings,
} from "./locker-options.ts";
export { ManualClock, type ManualClockOptions } from "./manual-clock.ts";
export { OrderedFeed, type OrderedRecord } from "./ordered-feed.ts";
export { StoreLeaseBackend, type StoreLeaseBackendOptions } from "./store-lease-backend.ts";
export { StructuredRecord } from "./structured-record.ts";
export { withAcquire } from "./with-acquire.ts";
