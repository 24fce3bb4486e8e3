import { writeFileSync } from "node:fs";
import process from "node:process";

/** One side of a comparison. */
export interface BenchValue {
  readonly label: string;
  readonly value: number;
}

/** A measure of lockgate, with the peer run side by side in the same run when there is one. */
export interface BenchRow {
  readonly suite: string;
  readonly measure: string;
  readonly unit: "ms" | "ops/s";
  readonly ours: BenchValue;
  readonly peer?: BenchValue;
}

/**
 * Hands a benchmark's rows to the bench/ runner: written as JSON to $BENCH_JSON when set
 * (the runner sets it), ignored otherwise, so each benchmark still runs on its own.
 */
export function reportBench(rows: readonly BenchRow[]): void {
  const path = process.env.BENCH_JSON;
  if (path) writeFileSync(path, JSON.stringify(rows, null, 2));
}

/** How many times better ours is than the peer: above 1 is better, whatever the unit. */
export function advantage(row: BenchRow): number | undefined {
  if (!row.peer) return undefined;
  return row.unit === "ms" ? row.peer.value / row.ours.value : row.ours.value / row.peer.value;
}
