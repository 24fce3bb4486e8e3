import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
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
  /** ms, MiB, KiB: lower is better; ops/s and %: higher is better. */
  readonly unit: "ms" | "MiB" | "KiB" | "ops/s" | "%";
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
  const ratio =
    row.unit === "ops/s" || row.unit === "%"
      ? row.ours.value / row.peer.value
      : row.peer.value / row.ours.value;
  // A peer at 0 % (or an instant 0 ms): no finite ratio to quote.
  return Number.isFinite(ratio) && ratio > 0 ? ratio : undefined;
}

function formatValue(value: number, unit: string): string {
  if (unit === "ms" && value < 1) return `${(value * 1000).toFixed(1)} us`;
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(2)} ${unit}`;
}

/** Rows as a markdown table; a measure with two peers takes two lines. */
export function benchTable(rows: readonly BenchRow[]): string {
  const lines = ["| measure | lockgate | peer (same run) | advantage |", "|---|---|---|---|"];
  for (const r of rows) {
    const a = advantage(r);
    const side = (v: BenchValue) => `${v.label}: ${formatValue(v.value, r.unit)}`;
    lines.push(
      `| ${r.measure} | ${side(r.ours)} | ${r.peer ? side(r.peer) : "-"} | ${a === undefined ? "-" : `${a.toFixed(2)}x`} |`,
    );
  }
  return lines.join("\n");
}

/** The machine, then the table, for whoever runs a benchmark by hand. */
export function printBenchRows(rows: readonly BenchRow[], setting: string): void {
  const quick = process.env.BENCH_QUICK === "1" ? " (quick mode)" : "";
  console.log(
    `\nmachine: ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}; ${setting}${quick}\n`,
  );
  console.log(benchTable(rows));
}
