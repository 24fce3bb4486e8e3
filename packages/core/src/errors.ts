import type { StoreRecord } from "./lock-store.ts";

/** Every code a LockgateError can carry. The set is closed: new codes are a breaking change. */
export const LOCKGATE_ERROR_CODES = [
  "timeout",
  "busy",
  "aborted",
  "lease-lost",
  "conflict",
  "not-held",
  "store-unavailable",
  "invalid-argument",
  "corrupt-record",
  /** A lock held for its `maxHold`: renewal stopped; others get it when the lease runs out. */
  "max-hold",
] as const;

export type LockgateErrorCode = (typeof LOCKGATE_ERROR_CODES)[number];

const RETRYABLE_BY_DEFAULT: ReadonlySet<LockgateErrorCode> = new Set<LockgateErrorCode>([
  "timeout",
  "busy",
  "conflict",
  "store-unavailable",
]);

// A registered symbol survives duplicate copies of this package in one process, where
// `instanceof` does not: two copies of @lockgate/core share Symbol.for keys.
const BRAND = Symbol.for("@lockgate/core/LockgateError");

export interface LockgateErrorOptions {
  cause?: unknown;
  retryable?: boolean;
  /**
   * With "conflict" from a store: the record the store held when the write lost, if the same
   * round trip could tell, so the caller retries without reading again (see LockStore.put).
   */
  current?: StoreRecord;
}

/** The one error class of lockgate. Recognise it with `isLockgateError`, not only `instanceof`. */
export class LockgateError extends Error {
  readonly code: LockgateErrorCode;
  readonly retryable: boolean;
  /** See LockgateErrorOptions.current. */
  readonly current?: StoreRecord;

  constructor(code: LockgateErrorCode, message: string, options: LockgateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "LockgateError";
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
    if (options.current !== undefined) this.current = options.current;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True for a LockgateError from any copy of @lockgate/core; narrows to `code` when given. */
export function isLockgateError(value: unknown, code?: LockgateErrorCode): value is LockgateError {
  if (typeof value !== "object" || value === null) return false;
  if ((value as Record<symbol, unknown>)[BRAND] !== true) return false;
  return code === undefined || (value as LockgateError).code === code;
}

/** What every store (and locker) throws once closed: store-unavailable, and not worth retrying. */
export function closedError(what: string): LockgateError {
  return new LockgateError("store-unavailable", `${what} is closed`, { retryable: false });
}

/** A duration for a message: "6667 ms", never "6666.666666666667 ms". */
export function formatMs(ms: number): string {
  return `${Math.round(ms)} ms`;
}

/**
 * A LockgateError without a stack trace, for reasons made on every release or detach: capturing
 * a stack costs more than the rest of an uncontended release, and this one would say nothing.
 */
export function stacklessError(code: LockgateErrorCode, message: string): LockgateError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new LockgateError(code, message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
