export {
  advantage,
  type BenchRow,
  type BenchValue,
  benchTable,
  printBenchRows,
  reportBench,
} from "./bench-report.ts";
export { type Acquirer, handoffSamples, percentile } from "./bench-samples.ts";
export { type ChaosCase, type ChaosCaseOptions, runChaosCase } from "./chaos/chaos-case.ts";
export { type ChaosReport, checkChaosLog } from "./chaos/chaos-checker.ts";
export { type ChaosOptions, type ChaosRun, runChaos } from "./chaos/chaos-controller.ts";
export {
  type ChaosLock,
  type ChaosLocker,
  type ChaosMode,
  type ChaosWorkerOptions,
  chaosWorkerMain,
  runChaosWorker,
} from "./chaos/chaos-worker.ts";
export { type FencedResource, startFencedResource } from "./chaos/fenced-resource.ts";
export {
  type BeliefLock,
  type BeliefLocker,
  type BeliefReport,
  beliefWorkerMain,
  checkBeliefLog,
  pauseHolders,
} from "./chaos/paused-holders.ts";
export { type StoreChaosOptions, storeChaosCase } from "./chaos/store-chaos-case.ts";
export {
  type CounterProcessesOptions,
  type CounterReport,
  runCounterProcesses,
} from "./counter-processes.ts";
export { counterRounds, type HeldLock, prepareCounterFiles } from "./counter-rounds.ts";
export { overlapsIn } from "./critical-section-log.ts";
export { EtcdServer, freePort } from "./etcd-server.ts";
export {
  arrivalOrderKept,
  type BenchClient,
  type BenchLock,
  type BenchMeasure,
  type BenchSubject,
  benchLocks,
  type ContentionResult,
  contend,
  defaultLockBenchPlan,
  type GrantTiming,
  type LockBenchPlan,
  type SubjectResult,
} from "./lock-bench.ts";
export { type LockBenchSuite, lockBenchRows, runLockBenchSuite } from "./lock-bench-suite.ts";
export { pgAdvisorySubject } from "./peers/pg-advisory-peer.ts";
export { type RedlockPeerOptions, redlockSubject } from "./peers/redlock-peer.ts";
export { PgBouncer } from "./pgbouncer.ts";
export { acceptsConnections, PostgresServer, postgresBinDir } from "./postgres-server.ts";
export {
  contendAcrossProcesses,
  contentionWorkerMain,
  processContentionRows,
} from "./process-contention.ts";
export { RedisCluster } from "./redis-cluster.ts";
export { RedisServer, type RedisServerOptions } from "./redis-server.ts";
export { seededRandom } from "./seeded-random.ts";
export { workerMain } from "./worker-main.ts";
export {
  finished,
  lineMatching,
  type Runtime,
  startWorker,
  type WorkerOptions,
  type WorkerResult,
} from "./worker-process.ts";
