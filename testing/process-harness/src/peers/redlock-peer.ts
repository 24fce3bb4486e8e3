import { createRequire } from "node:module";
import { Redis } from "ioredis";
import type { BenchSubject } from "../lock-bench.ts";

/** The part of redlock 4 used here (it ships no types; CommonJS, so required). */
interface Redlock {
  lock(resource: string, ttl: number): Promise<{ unlock(): Promise<void> }>;
}
type RedlockConstructor = new (
  clients: readonly Redis[],
  options: { retryCount: number; retryDelay: number; retryJitter: number },
) => Redlock;
const Redlock = createRequire(import.meta.url)("redlock") as RedlockConstructor;

export interface RedlockPeerOptions {
  /** redlock's pause between tries, ms. Its default is 200; 10 matches the other pollers here. */
  readonly retryDelay?: number;
  /** Random extra pause, ms (redlock's default 100). */
  readonly retryJitter?: number;
}

/**
 * redlock on one local redis-server, as many Node users lock instead: SET NX PX to take it,
 * a Lua compare-and-delete to release, retried forever (its default gives up after 10 tries).
 */
export function redlockSubject(url: string, options: RedlockPeerOptions = {}): BenchSubject {
  const retryDelay = options.retryDelay ?? 10;
  return {
    label: `redlock on redis-server, retry every ${retryDelay} ms`,
    client: () => {
      const redis = new Redis(url, { lazyConnect: false });
      const redlock = new Redlock([redis], {
        retryCount: -1,
        retryDelay,
        retryJitter: options.retryJitter ?? 10,
      });
      return {
        acquire: async (name) => {
          const lock = await redlock.lock(`lockgate-bench:${name}`, 10_000);
          return { release: () => lock.unlock() };
        },
        close: () => redis.quit(),
      };
    },
  };
}
