// The lease algorithm over the in-process store against async-mutex, the in-process floor: what
// the lease record, fencing and queue cost when no I/O hides them. BENCH_QUICK=1 only proves it runs.
import { createLocker } from "@lockgate/core";
import { defaultLockBenchPlan, reportBench, runLockBenchSuite } from "@lockgate/process-harness";
import { Mutex } from "async-mutex";
import { MemoryStore } from "../src/memory-store.ts";

const store = new MemoryStore();
const mutexes = new Map<string, Mutex>();
const mutex = (name: string) => mutexes.get(name) ?? mutexes.set(name, new Mutex()).get(name)!;

reportBench(
  await runLockBenchSuite({
    suite: "memory",
    setting: "one process, one MemoryStore shared by every locker",
    // One locker per contender, as separate components of one process would have.
    ours: { label: "createLocker(MemoryStore)", client: () => createLocker(store) },
    peers: [
      {
        label: "async-mutex",
        client: () => ({
          acquire: async (name) => ({ release: await mutex(name).acquire() }),
        }),
      },
    ],
    plan: defaultLockBenchPlan({ uncontended: 5_000, handoffs: 200 }),
  }),
);
