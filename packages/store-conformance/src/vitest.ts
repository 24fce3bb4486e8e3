import { describe, it } from "vitest";
import type { ConformanceCase } from "./conformance-case.ts";
import { type LockerConformanceOptions, lockerConformanceCases } from "./locker-cases.ts";
import { type StoreConformanceOptions, storeConformanceCases } from "./store-cases.ts";

export type ConformanceOptions = StoreConformanceOptions & LockerConformanceOptions;

function register(cases: ConformanceCase[], timeout: number): void {
  for (const c of cases) {
    if (c.skip) it.skip(`${c.name} (skipped: ${c.skip})`, () => {});
    else it(c.name, c.run, timeout);
  }
}

/** Registers the whole contract (store and locker halves) as vitest tests. */
export function describeStoreConformance(name: string, options: ConformanceOptions): void {
  describe(`${name}: store contract`, () => register(storeConformanceCases(options), 20_000));
  describe(`${name}: locker semantics`, () => register(lockerConformanceCases(options), 30_000));
}

/** Registers only the locker semantics: for a Locker that is not a store's, like a lock server's client. */
export function describeLockerConformance(name: string, options: LockerConformanceOptions): void {
  describe(`${name}: locker semantics`, () => register(lockerConformanceCases(options), 30_000));
}
