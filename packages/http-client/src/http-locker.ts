import { Locker, type LockerOptions } from "@lockgate/core";
import { HttpLeaseBackend, type HttpLeaseBackendOptions } from "./http-lease-backend.ts";

export type HttpLockerOptions = LockerOptions & Omit<HttpLeaseBackendOptions, "clock">;

/**
 * The lockgate Locker over a lock server: the same API as every other locker. The server
 * waits for you (long-poll) and renews nothing for you: this process renews its own leases.
 */
export class HttpLocker extends Locker {
  constructor(url: string, options: HttpLockerOptions = {}) {
    super(
      new HttpLeaseBackend(url, {
        ...(options.token === undefined ? {} : { token: options.token }),
        ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
        ...(options.requestTimeout === undefined ? {} : { requestTimeout: options.requestTimeout }),
        ...(options.clock === undefined ? {} : { clock: options.clock }),
      }),
      options,
    );
  }
}
