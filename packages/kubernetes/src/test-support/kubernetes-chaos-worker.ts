// A chaos worker on KubernetesLocker: see runChaosWorker. The cluster comes from $KUBECONFIG.
// Args: ConfigMap name, namespace, resource URL, log, duration ms.
import process from "node:process";
import { runChaosWorker, workerMain } from "@lockgate/process-harness";
import { KubernetesLocker } from "../kubernetes-locker.ts";

const [name = "", namespace = "", resourceUrl = "", logFile = "", duration = "0"] =
  process.argv.slice(2);
const locker = new KubernetesLocker({
  object: { apiVersion: "v1", kind: "ConfigMap", name, namespace },
  leaseTtl: 1_500,
});
await workerMain(
  async () => {
    await runChaosWorker({
      acquire: () => locker.acquire("chaos", { timeout: 60_000 }),
      resourceUrl,
      logFile,
      durationMs: Number(duration),
    });
  },
  () => locker.close(),
);
