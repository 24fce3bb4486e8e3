export { advantage, type BenchRow, type BenchValue, reportBench } from "./bench-report.ts";
export { type Acquirer, handoffSamples, percentile } from "./bench-samples.ts";
export { type ChaosReport, checkChaosLog } from "./chaos/chaos-checker.ts";
export { type ChaosOptions, type ChaosRun, runChaos } from "./chaos/chaos-controller.ts";
export { type ChaosLock, type ChaosWorkerOptions, runChaosWorker } from "./chaos/chaos-worker.ts";
export { type FencedResource, startFencedResource } from "./chaos/fenced-resource.ts";
export { counterRounds, type HeldLock, prepareCounterFiles } from "./counter-rounds.ts";
export { overlapsIn } from "./critical-section-log.ts";
export { EtcdServer, freePort } from "./etcd-server.ts";
export { workerMain } from "./worker-main.ts";
export {
  finished,
  lineMatching,
  type Runtime,
  startWorker,
  type WorkerOptions,
  type WorkerResult,
} from "./worker-process.ts";
