import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { tuneHeap } from "./heap-tuning.ts";

/**
 * Runs `body` in a child Node of its own (V8 flags are process-wide) after `tuneHeap(tuning)`,
 * and returns what it prints.
 */
function inChild(tuning: string, body: string, nodeFlags: string[] = []): string {
  const script = `
    const { tuneHeap } = await import(${JSON.stringify(new URL("./heap-tuning.ts", import.meta.url).href)});
    tuneHeap(${tuning});
    ${body}
  `;
  const out = spawnSync(
    process.execPath,
    [...nodeFlags, "--import", "tsx", "--input-type=module", "-e", script],
    { encoding: "utf8", timeout: 60_000 },
  );
  expect(out.status, out.stderr).toBe(0);
  return out.stdout.trim();
}

describe("tuneHeap", () => {
  it("applies nothing for growth 0 without compaction, and names the flags it applies", () => {
    expect(tuneHeap({ growthPercent: 0, compact: false })).toEqual([]);
    expect(
      inChild(
        "{ growthPercent: 0, compact: false }",
        "console.log(JSON.stringify(tuneHeap({ growthPercent: 25.5, compact: true })))",
      ),
    ).toBe('["--heap-growing-percent=25","--compact-on-every-full-gc"]');
  }, 60_000);

  it("caps the heap V8 keeps after a burst of garbage on Node", () => {
    // Live data grows while short-lived objects outlive a young-generation collection and then
    // die, as requests do on a loaded server: the heap V8 then commits is what its growth
    // factor allows (measured: 125-129 MiB capped, 150-224 MiB with V8's own factor).
    const heapTotal = (growth: number) =>
      Number(
        inChild(
          `{ growthPercent: ${growth}, compact: false }`,
          `const live = [];
          const ring = new Array(100_000);
          for (let i = 0; i < 300_000; i++) {
            live.push({ i, s: "x".repeat(20) + i });
            for (let j = 0; j < 5; j++) ring[(i * 5 + j) % ring.length] = { j, k: [i, j], t: "y" + i };
          }
          console.log(process.memoryUsage().heapTotal, live.length);`,
        ).split(" ")[0],
      );
    expect(heapTotal(10)).toBeLessThan(heapTotal(0));
  }, 120_000);

  it("compaction gives back the pages a burst left half empty", () => {
    // Keeps one object in two of a burst, then collects fully: without compaction the pages
    // stay committed half full (V8 by default moves only pages about three quarters empty).
    const oldSpace = (compact: boolean) =>
      Number(
        inChild(
          `{ growthPercent: 0, compact: ${compact} }`,
          `const v8 = await import("node:v8");
          const burst = [];
          for (let i = 0; i < 400_000; i++) burst.push({ i, s: "z" + i });
          globalThis.gc();
          const kept = burst.filter((_, i) => i % 2 === 0);
          burst.length = 0;
          globalThis.gc();
          globalThis.gc();
          const old = v8.getHeapSpaceStatistics().find((s) => s.space_name === "old_space");
          console.log(old.space_size, kept.length);`,
          ["--expose-gc"],
        ).split(" ")[0],
      );
    const compacted = oldSpace(true);
    const left = oldSpace(false);
    // Measured 15 MiB against 20.5 MiB.
    expect(compacted).toBeLessThan(left * 0.85);
  }, 120_000);
});
