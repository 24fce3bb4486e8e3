import { startWorker } from "../worker-process.ts";
import { type ChaosCase, runChaosCase } from "./chaos-case.ts";

export interface StoreChaosOptions {
  /** Names the run in its summary line. */
  readonly label: string;
  /** A worker script that runs `chaosWorkerMain`; gets `args`, then the chaos arguments. */
  readonly worker: string;
  readonly args?: readonly string[];
  readonly cwd: string;
  readonly env?: Record<string, string>;
  /** Crashes the store and brings it back (with or without its data, as the case says). */
  readonly restartStore: () => Promise<void>;
  readonly durationMs: number;
  /** Judge a semaphore of this many permits (the workers must ask with the same limit). */
  readonly limit?: number;
}

/**
 * The chaos case every networked store runs: 4 Node workers, a fault every 1.5 s (SIGKILL and
 * replace, SIGSTOP for 3 s past a 1.5 s lease, the store restarted), waits bounded by 20 s (an
 * outage and a paused holder's lease fit in it).
 */
export function storeChaosCase(o: StoreChaosOptions): Promise<ChaosCase> {
  return runChaosCase({
    label: o.label,
    start: (_, chaosArgs) =>
      startWorker("node", o.worker, [...(o.args ?? []), ...chaosArgs], {
        cwd: o.cwd,
        ...(o.env ? { env: o.env } : {}),
      }),
    workers: 4,
    durationMs: o.durationMs,
    faultEveryMs: 1_500,
    pauseMs: 3_000,
    restartStore: o.restartStore,
    starvationBoundMs: 20_000,
    ...(o.limit === undefined ? {} : { limit: o.limit }),
  });
}
