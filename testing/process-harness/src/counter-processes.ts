import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepareCounterFiles } from "./counter-rounds.ts";
import { overlapsIn } from "./critical-section-log.ts";
import { finished, type Runtime, startWorker, type WorkerResult } from "./worker-process.ts";

export interface CounterProcessesOptions {
  /** A worker script that runs `counterRounds`: args, then counter file, iterations, log file. */
  readonly worker: string;
  /** The worker's own arguments (endpoint, prefix, ...), before the counter's. */
  readonly args: readonly string[];
  /** One process per entry. */
  readonly runtimes: readonly Runtime[];
  readonly iterations: number;
  readonly cwd: string;
  readonly env?: Record<string, string>;
}

export interface CounterReport {
  readonly results: readonly WorkerResult[];
  /** The counter's final value, and what it must be: every increment once. */
  readonly count: number;
  readonly expected: number;
  readonly sections: number;
  readonly problems: readonly string[];
  /** Fencing tokens in log order, each above the one before. */
  readonly tokensIncreasing: boolean;
}

/**
 * The multi-process counter: processes (on the given runtimes) each do `iterations`
 * read-modify-writes of one file under one lock, logging every section for the overlap check.
 */
export async function runCounterProcesses(o: CounterProcessesOptions): Promise<CounterReport> {
  const dir = mkdtempSync(join(tmpdir(), "lockgate-counter-"));
  try {
    const { counter, log } = prepareCounterFiles(dir);
    const results = await Promise.all(
      o.runtimes.map((runtime) =>
        finished(
          startWorker(runtime, o.worker, [...o.args, counter, String(o.iterations), log], {
            cwd: o.cwd,
            ...(o.env ? { env: o.env } : {}),
          }),
        ),
      ),
    );
    const { problems, sections, tokens } = overlapsIn(log);
    return {
      results,
      count: Number(readFileSync(counter, "utf8")),
      expected: o.runtimes.length * o.iterations,
      sections,
      problems,
      tokensIncreasing: tokens.every((t, i) => i === 0 || t > (tokens[i - 1] as number)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
