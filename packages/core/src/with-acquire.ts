import type { Lock } from "./lock-handle.ts";
import type { AcquireOptions, Locker, NonBlockingAcquireOptions } from "./locker.ts";

/**
 * Go lockgate's WithAcquire: runs `fn` holding the lock and releases it after, whatever `fn`
 * does. An error from `fn` wins over a failure to release, which then goes to `onError`.
 */
export function withAcquire<T>(
  locker: Locker,
  name: string,
  options: NonBlockingAcquireOptions,
  fn: (lock: Lock | null) => T | Promise<T>,
): Promise<T>;
export function withAcquire<T>(
  locker: Locker,
  name: string,
  options: AcquireOptions,
  fn: (lock: Lock) => T | Promise<T>,
): Promise<T>;
export async function withAcquire<T>(
  locker: Locker,
  name: string,
  options: AcquireOptions,
  fn: (lock: Lock) => T | Promise<T>,
): Promise<T> {
  const lock = await locker.acquire(name, options);
  if (!lock) return (fn as (lock: Lock | null) => T | Promise<T>)(null);
  let result: T;
  try {
    result = await fn(lock);
  } catch (error) {
    await lock[Symbol.asyncDispose]();
    throw error;
  }
  await lock.release();
  return result;
}
