// One process doing uncontended acquire+release on its own lock name, as a CI job would, against
// the cluster in $KUBECONFIG. Prints one JSON line: the per-cycle times in ms, after a warm-up.
import process from "node:process";
import { KubernetesLocker } from "../src/kubernetes-locker.ts";

const [name = "", namespace = "", lockName = "", cycles = "50"] = process.argv.slice(2);
const locker = new KubernetesLocker({
  object: { apiVersion: "v1", kind: "ConfigMap", name, namespace },
});
try {
  for (let i = 0; i < 5; i++) await (await locker.acquire(lockName)).release();
  const samples: number[] = [];
  for (let i = 0; i < Number(cycles); i++) {
    const start = performance.now();
    const lock = await locker.acquire(lockName);
    await lock.release();
    samples.push(performance.now() - start);
  }
  process.stdout.write(`${JSON.stringify({ samples })}\n`);
} finally {
  await locker.close();
}
