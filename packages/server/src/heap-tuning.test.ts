import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { limitHeapGrowth } from "./heap-growth.ts";

describe("limitHeapGrowth", () => {
  it("leaves V8 alone for 0", () => {
    expect(limitHeapGrowth(0)).toBe(false);
  });

  it("caps the heap V8 keeps after a burst of garbage on Node", () => {
    // In a child of its own: the flag is process-wide. Live data grows while short-lived objects
    // outlive a young-generation collection and then die, as requests do on a loaded server:
    // the heap V8 then commits is what its growth factor allows (measured: 125-129 MiB capped,
    // 150-224 MiB with V8's own factor).
    const script = (apply: boolean) => `
      const { limitHeapGrowth } = await import(${JSON.stringify(new URL("./heap-growth.ts", import.meta.url).href)});
      if (${apply}) limitHeapGrowth(10);
      const live = [];
      const ring = new Array(100_000);
      for (let i = 0; i < 300_000; i++) {
        live.push({ i, s: "x".repeat(20) + i });
        for (let j = 0; j < 5; j++) ring[(i * 5 + j) % ring.length] = { j, k: [i, j], t: "y" + i };
      }
      console.log(process.memoryUsage().heapTotal, live.length);
    `;
    const heapTotal = (apply: boolean) => {
      const out = spawnSync(
        process.execPath,
        ["--import", "tsx", "--input-type=module", "-e", script(apply)],
        { encoding: "utf8", timeout: 60_000 },
      );
      expect(out.status, out.stderr).toBe(0);
      return Number(out.stdout.split(" ")[0]);
    };
    expect(heapTotal(true)).toBeLessThan(heapTotal(false));
  }, 120_000);
});
