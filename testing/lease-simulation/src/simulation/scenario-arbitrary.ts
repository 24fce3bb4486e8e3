import fc from "fast-check";
import type { Action, ParticipantPlan, Scenario } from "./scenario.ts";

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("idle" as const),
      ms: fc.integer({ min: 0, max: 400 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("acquire" as const),
      shared: fc.boolean(),
      mode: fc.constantFrom(
        "blocking" as const,
        "blocking" as const,
        "nonBlocking" as const,
        "timeout" as const,
      ),
      timeout: fc.integer({ min: 1, max: 1_500 }),
      abortAfter: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 800 })),
      holdMs: fc.integer({ min: 0, max: 600 }),
      fate: fc.constantFrom(
        "release" as const,
        "release" as const,
        "release" as const,
        "crash" as const,
        "partition" as const,
        "vanish" as const,
      ),
      partitionMs: fc.integer({ min: 50, max: 2_000 }),
      vanishAfter: fc.integer({ min: 0, max: 800 }),
      campaign: fc.boolean(),
    }),
  },
);

const participant: fc.Arbitrary<ParticipantPlan> = fc.record({
  wallSkew: fc.oneof(fc.constant(0), fc.integer({ min: -3_600_000, max: 3_600_000 })),
  rate: fc.oneof(fc.constant(1), fc.double({ min: 0.97, max: 1.03, noNaN: true })),
  actions: fc.array(action, { minLength: 1, maxLength: 4 }),
});

/** Schedules for the lease algorithm: 2 to 5 participants with faults of every kind. */
export const scenarioArbitrary: fc.Arbitrary<Scenario> = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  ttl: fc.integer({ min: 150, max: 900 }),
  latencyMax: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 })),
  conflictRate: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.4, noNaN: true })),
  limit: fc.oneof(fc.constant(1), fc.constant(1), fc.integer({ min: 2, max: 3 })),
  participants: fc.array(participant, { minLength: 2, maxLength: 5 }),
});
