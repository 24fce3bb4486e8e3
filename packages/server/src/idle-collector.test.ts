import { describe, expect, it } from "vitest";
import { IdleCollector, runtimeCollector } from "./idle-collector.ts";

const MiB = 1024 * 1024;

describe("IdleCollector", () => {
  it("collects once the server is quiet after the heap grew, and not again until it grows", () => {
    let now = 0;
    let heap = 100 * MiB;
    let collected = 0;
    const idle = new IdleCollector({
      idleMs: 300,
      now: () => now,
      heapSize: () => heap,
      collect: () => {
        collected++;
        heap -= 10 * MiB;
      },
    });
    // Busy: a request every 100 ms while the heap grows.
    for (let i = 0; i < 20; i++) {
      now += 100;
      heap += 2 * MiB;
      idle.noteRequest();
      expect(idle.check()).toBe(false);
    }
    now += 299;
    expect(idle.check()).toBe(false);
    now += 1;
    expect(idle.check()).toBe(true);
    expect(collected).toBe(1);
    // Quiet for long, heap unchanged: nothing more.
    now += 10_000;
    expect(idle.check()).toBe(false);
    // Grown by less than 16 MiB since: nothing; by 16 MiB: once more.
    heap += 15 * MiB;
    expect(idle.check()).toBe(false);
    heap += 1 * MiB;
    expect(idle.check()).toBe(true);
    expect(idle.collections).toBe(2);
  });

  it("checks by itself on a timer, quiet once started", async () => {
    let heap = 0;
    let collected = 0;
    const idle = new IdleCollector({
      idleMs: 40,
      heapSize: () => heap,
      collect: () => collected++,
    }).start();
    try {
      heap = 64 * MiB;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(collected).toBe(1);
    } finally {
      idle.stop();
    }
  });

  it("on Node, collects the whole heap through V8's own gc", () => {
    const gc = runtimeCollector();
    expect(gc).toBeDefined();
    let garbage: object[] | undefined = Array.from({ length: 200_000 }, (_, i) => ({ i }));
    const before = process.memoryUsage().heapUsed;
    expect(garbage.length).toBe(200_000);
    garbage = undefined;
    gc?.collect();
    expect(process.memoryUsage().heapUsed).toBeLessThan(before - 4 * MiB);
    expect(gc?.heapSize()).toBeGreaterThan(0);
    expect("gc" in globalThis).toBe(false);
  });
});
