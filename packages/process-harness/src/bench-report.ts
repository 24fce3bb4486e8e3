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

/** The machine, then one line per row with the ratio, for whoever runs a benchmark by hand. */
export function printBenchRows(rows: readonly BenchRow[], setting: string): void {
  const quick = process.env.BENCH_QUICK === "1" ? " (quick mode)" : "";
  const f = (v: number, unit: string) => `${v >= 100 ? v.toFixed(0) : v.toFixed(2)} ${unit}`;
  console.log(
    `\nmachine: ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}; ${setting}${quick}\n`,
  );
  console.log("| measure | lockgate | peer | advantage |");
  console.log("|---|---|---|---|");
  for (const r of rows) {
    const a = advantage(r);
    console.log(
      `| ${r.measure} | ${r.ours.label}: ${f(r.ours.value, r.unit)} | ${r.peer ? `${r.peer.label}: ${f(r.peer.value, r.unit)}` : "-"} | ${a === undefined ? "-" : `${a.toFixed(2)}x`} |`,
    );
  }
}
