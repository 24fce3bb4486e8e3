// One command for every benchmark: runs each package's bench (quick mode with BENCH_QUICK=1),
// collects their rows, and writes results/latest.json (with machine info), the table in
// README.md and results/advantage.svg. Quick mode writes nothing: it only proves they run.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { arch, cpus, platform, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { advantage, type BenchRow, benchTable } from "@lockgate/process-harness";

const quick = process.env.BENCH_QUICK === "1";
/** `--render`: redraw the table and chart from results/latest.json without running anything. */
const renderOnly = process.argv.includes("--render");
const root = join(import.meta.dirname, "..");
/** Each package's bench scripts, in the order their tables appear. */
const suites: [pkg: string, script: string][] = [
  ["@lockgate/store-memory", "bench"],
  ["@lockgate/file", "bench"],
  ["@lockgate/store-etcd", "bench"],
  ["@lockgate/store-etcd", "bench:failover"],
  ["@lockgate/store-redis", "bench"],
  ["@lockgate/store-redis", "bench:semaphore"],
  ["@lockgate/store-postgres", "bench"],
  ["@lockgate/kubernetes", "bench"],
  ["@lockgate/server", "bench"],
  ["@lockgate/server", "bench:load"],
  ["@lockgate/cli", "bench"],
];
/** The measures the chart shows, for every suite and peer that has them. */
const charted = new Set([
  "handoff to the next holder, p50",
  "8 contenders holding 1 ms, throughput",
  "32 contenders, longest wait",
  "acquire+release of another lock, p50",
]);
const scratch = mkdtempSync(join(tmpdir(), "lockgate-bench-"));
const saved = join(import.meta.dirname, "results", "latest.json");
const rows: BenchRow[] = renderOnly
  ? (JSON.parse(readFileSync(saved, "utf8")) as { rows: BenchRow[] }).rows
  : [];
try {
  for (const [i, [pkg, script]] of renderOnly ? [] : suites.entries()) {
    const out = join(scratch, `${i}.json`);
    const started = performance.now();
    process.stdout.write(`running ${pkg} ${script}${quick ? " (quick)" : ""}...`);
    execFileSync("pnpm", ["--silent", "--filter", pkg, "run", script], {
      cwd: root,
      env: { ...process.env, BENCH_JSON: out },
      stdio: ["ignore", "ignore", "inherit"],
    });
    const reported = JSON.parse(readFileSync(out, "utf8")) as BenchRow[];
    process.stdout.write(
      ` ${reported.length} rows in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
    );
    if (reported.length === 0) throw new Error(`${pkg} ${script} reported nothing`);
    rows.push(...reported);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const machine = renderOnly
  ? ((JSON.parse(readFileSync(saved, "utf8")) as { machine: Record<string, string | number> })
      .machine as never)
  : {
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? "unknown",
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      os: `${platform()} ${release()} ${arch()}`,
      node: process.version,
      date: new Date().toISOString(),
    };
const table = renderTable(rows);
console.log(`\n${table}`);
if (quick) {
  if (rows.length < 80)
    throw new Error(`expected every measure of every suite, got ${rows.length} rows`);
  console.log(`bench: ${rows.length} measures reported (quick mode: nothing written)`);
} else {
  if (!renderOnly) writeFileSync(saved, `${JSON.stringify({ machine, rows }, null, 2)}\n`);
  writeFileSync(join(import.meta.dirname, "results", "advantage.svg"), renderChart(rows));
  const readme = join(import.meta.dirname, "README.md");
  const text = readFileSync(readme, "utf8");
  const m = machine as {
    cpus: number;
    cpu: string;
    memoryGiB: number;
    os: string;
    node: string;
    date: string;
  };
  const stamp = `Machine: ${m.cpus} x ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; ${m.date.slice(0, 10)}.`;
  writeFileSync(
    readme,
    text.replace(
      /<!-- results -->[\s\S]*<!-- \/results -->/,
      `<!-- results -->\n${stamp}\n\n${table}\n<!-- /results -->`,
    ),
  );
  console.log(
    `bench: ${renderOnly ? "redrew" : "wrote results/latest.json,"} results/advantage.svg and the table in bench/README.md`,
  );
}

/** One table per suite. */
function renderTable(all: readonly BenchRow[]): string {
  const suites = [...new Set(all.map((r) => r.suite))];
  return suites
    .map((suite) => `#### ${suite}\n\n${benchTable(all.filter((r) => r.suite === suite))}\n`)
    .join("\n");
}

/** Horizontal bars of how many times better lockgate is than its peer, on a log scale around 1x. */
function renderChart(all: readonly BenchRow[]): string {
  const compared = all.filter((r) => charted.has(r.measure) && advantage(r) !== undefined);
  const rowHeight = 30;
  const left = 420;
  const width = 900;
  const height = 40 + compared.length * rowHeight;
  const span = Math.max(2, ...compared.map((r) => Math.abs(Math.log10(advantage(r) as number))));
  // Room on both sides for the ratio labels.
  const x = (a: number) => left + 50 + ((Math.log10(a) + span) / (2 * span)) * (width - left - 120);
  const esc = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const bars = compared.map((r, i) => {
    const a = advantage(r) as number;
    const y = 30 + i * rowHeight;
    const [from, to] = a >= 1 ? [x(1), x(a)] : [x(a), x(1)];
    return [
      `<text x="${left - 8}" y="${y + 14}" text-anchor="end">${esc(`${r.suite}: ${r.measure}`)}</text>`,
      `<text x="${left - 8}" y="${y + 24}" text-anchor="end" font-size="9" fill="#666">${esc(`vs ${r.peer?.label}`)}</text>`,
      `<rect x="${from.toFixed(1)}" y="${y + 2}" width="${Math.max(1, to - from).toFixed(1)}" height="16" fill="${a >= 1 ? "#2f7d4f" : "#b5482f"}"/>`,
      `<text x="${(a >= 1 ? to + 4 : from - 4).toFixed(1)}" y="${y + 14}" text-anchor="${a >= 1 ? "start" : "end"}">${a.toFixed(2)}x</text>`,
    ].join("");
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="18" font-weight="bold">lockgate against its peer, same run (log scale; right of the line: lockgate better)</text>`,
    `<line x1="${x(1)}" y1="24" x2="${x(1)}" y2="${height - 6}" stroke="#444"/>`,
    ...bars,
    "</svg>",
    "",
  ].join("\n");
}
