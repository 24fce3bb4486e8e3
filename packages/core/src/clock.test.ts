import { describe, expect, it } from "vitest";
import { askedNow, systemClock } from "./clock.ts";
import { ManualClock } from "./manual-clock.ts";

describe("systemClock.preciseWallNow", () => {
  it("stays in Date.now()'s millisecond and tells apart requests asked within one", async () => {
    const stamps: number[] = [];
    const until = Date.now() + 20;
    while (Date.now() < until) {
      const before = Date.now();
      const precise = systemClock.preciseWallNow?.() ?? Number.NaN;
      const after = Date.now();
      expect(precise).toBeGreaterThanOrEqual(before);
      expect(precise).toBeLessThan(after + 1);
      stamps.push(precise);
      if (stamps.length % 1_000 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    // Many stamps per millisecond, and nearly all of them distinct: ties are what let a
    // later request land ahead of an earlier one that asked in the same millisecond.
    expect(stamps.length).toBeGreaterThan(100);
    expect(new Set(stamps).size).toBeGreaterThan(stamps.length * 0.9);
    expect(new Set(stamps.map(Math.floor)).size).toBeLessThan(stamps.length / 10);
  });

  it("falls back to wallNow() for a clock without it", () => {
    const clock = new ManualClock({ wallOffset: 1_000 });
    expect(askedNow(clock)).toBe(clock.wallNow());
  });
});
