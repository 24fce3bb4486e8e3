import { withAcquire } from "@lockgate/core";
import { KubernetesLocker } from "@lockgate/kubernetes";

/**
 * One deploy per environment at a time, across every pod and CI runner that can reach the
 * cluster, and across werf (Go lockgate) processes locking the same names on the same ConfigMap.
 */
export async function deployExclusively(
  environment: string,
  deploy: (fencingToken: number) => Promise<void>,
): Promise<void> {
  const locker = new KubernetesLocker({
    // The object must exist: kubectl create configmap deploy-locks -n ci
    object: { apiVersion: "v1", kind: "ConfigMap", name: "deploy-locks", namespace: "ci" },
    // Default: $KUBECONFIG, ~/.kube/config, or the pod's service account. Or:
    // kubeConfig: "in-cluster", or kubeConfig: { file: "/etc/ci/kubeconfig", context: "prod" }.
  });
  try {
    await withAcquire(
      locker,
      `deploy/${environment}`,
      { timeout: 15 * 60_000, value: { runner: process.env.HOSTNAME ?? "unknown" } },
      async (lock) => {
        // Hand the token to whatever you change, so a paused, outdated holder is refused.
        await deploy(lock.fencingToken);
      },
    );
  } finally {
    await locker.close();
  }
}
