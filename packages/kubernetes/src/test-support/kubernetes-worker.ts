// A process using KubernetesLocker as an application would: a read-modify-write of a counter
// file under an exclusive lock, logging enter and leave for the checker. The cluster comes from
// $KUBECONFIG, as in a CI job. Bounded by its iterations.
import process from "node:process";
import { counterRounds, workerMain } from "@lockgate/process-harness";
import { KubernetesLocker } from "../kubernetes-locker.ts";

const [name = "", namespace = "", counterFile = "", iterations = "0", logFile = ""] =
  process.argv.slice(2);
const locker = new KubernetesLocker({
  object: { apiVersion: "v1", kind: "ConfigMap", name, namespace },
  leaseTtl: 5_000,
});
await workerMain(
  async () => {
    await counterRounds(
      () => locker.acquire("counter", { timeout: 60_000 }),
      counterFile,
      Number(iterations),
      logFile,
    );
  },
  () => locker.close(),
);
