// A chaos worker on KubernetesLocker: see runChaosWorker. The cluster comes from $KUBECONFIG.
// Args: ConfigMap name, namespace, then runChaosCase's.
import process from "node:process";
import { chaosWorkerMain } from "@lockgate/process-harness";
import { KubernetesLocker } from "../kubernetes-locker.ts";

const [name = "", namespace = ""] = process.argv.slice(2);
const locker = new KubernetesLocker({
  object: { apiVersion: "v1", kind: "ConfigMap", name, namespace },
  leaseTtl: 1_500,
});
await chaosWorkerMain(locker, process.argv.slice(-3));
