export { advantage, type BenchRow, type BenchValue, reportBench } from "./bench-report.ts";
export { type Acquirer, handoffSamples, percentile } from "./bench-samples.ts";
export { counterRounds, type HeldLock, prepareCounterFiles } from "./counter-rounds.ts";
export { overlapsIn } from "./critical-section-log.ts";
export { EtcdServer, freePort } from "./etcd-server.ts";
export {
  finished,
  lineMatching,
  type Runtime,
  startWorker,
  type WorkerOptions,
  type WorkerResult,
} from "./worker-process.ts";
