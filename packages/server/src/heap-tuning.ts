import process from "node:process";

/**
 * Caps how far Node's heap grows past the live data at each full GC (V8's
 * --heap-growing-percent). V8's own factor reaches about 4x after a burst of allocation: a
 * server loaded with 100,000 locks held about 500 MiB resident for about 100 MiB of live data;
 * at 30 % it held about 280 MiB, loading at much the same speed (measured in the server README).
 * Node only: Bun's engine is not V8, and Deno takes V8 flags only at start (--v8-flags).
 * Returns whether it was applied.
 */
export function limitHeapGrowth(percent: number): boolean {
  if (percent <= 0 || "Bun" in globalThis || "Deno" in globalThis) return false;
  const v8 = process.getBuiltinModule?.("node:v8");
  if (!v8) return false;
  v8.setFlagsFromString(`--heap-growing-percent=${Math.floor(percent)}`);
  return true;
}
