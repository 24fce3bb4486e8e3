import process from "node:process";

export interface IdleCollectorOptions {
  /** Collect once no request has started for this long (ms). */
  readonly idleMs: number;
  /** A full, blocking collection. */
  readonly collect: () => void;
  /** The heap's committed size in bytes. */
  readonly heapSize: () => number;
  /** Collect only once the heap grew this many bytes past its size after the last collection. */
  readonly minGrowth?: number;
  /** Monotonic ms. */
  readonly now?: () => number;
}

/**
 * One full collection when the server falls quiet after a burst that grew its heap. Node gives
 * V8 no idle time, so the garbage and the half-empty pages a burst leaves stay resident until
 * the next burst; a browser's V8 would reclaim them while idle. The pause (tens of ms with
 * 100,000 locks held) falls when no request is in flight, and at most once per growth.
 */
export class IdleCollector {
  readonly #options: Required<IdleCollectorOptions>;
  #lastRequest: number;
  #settled: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Collections made so far. */
  collections = 0;

  constructor(options: IdleCollectorOptions) {
    this.#options = {
      minGrowth: 16 * 1024 * 1024,
      now: () => performance.now(),
      ...options,
    };
    this.#lastRequest = this.#options.now();
    this.#settled = this.#options.heapSize();
  }

  /** Checks every quarter of `idleMs`, on a timer that keeps no process alive. */
  start(): this {
    this.#timer ??= setInterval(() => this.check(), Math.max(10, this.#options.idleMs / 4));
    this.#timer.unref?.();
    return this;
  }

  /** Called as each request starts. */
  noteRequest(): void {
    this.#lastRequest = this.#options.now();
  }

  /** Collects if the server has been quiet for `idleMs` and the heap grew; true if it did. */
  check(): boolean {
    const { idleMs, heapSize, minGrowth, now, collect } = this.#options;
    if (now() - this.#lastRequest < idleMs) return false;
    if (heapSize() < this.#settled + minGrowth) return false;
    collect();
    this.collections++;
    this.#settled = heapSize();
    return true;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * This runtime's full collection and heap size, or undefined where it has none to offer
 * (Deno). Node: V8's `gc`, exposed to a fresh context only, so no global changes.
 */
export function runtimeCollector(): Pick<IdleCollectorOptions, "collect" | "heapSize"> | undefined {
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun) {
    return { collect: () => bun.gc(true), heapSize: () => process.memoryUsage().rss };
  }
  if ("Deno" in globalThis) return undefined;
  const v8 = process.getBuiltinModule?.("node:v8");
  const vm = process.getBuiltinModule?.("node:vm");
  if (!v8 || !vm) return undefined;
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as unknown;
  if (typeof gc !== "function") return undefined;
  return {
    collect: () => (gc as () => void)(),
    heapSize: () => v8.getHeapStatistics().total_heap_size,
  };
}
