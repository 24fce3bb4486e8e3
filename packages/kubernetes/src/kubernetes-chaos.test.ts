import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configMaps, startKubeApiStandIn } from "@lockgate/kube-api-standin";
import { runChaosCase, startWorker } from "@lockgate/process-harness";
import { expect, it } from "vitest";

// Bounded chaos on one ConfigMap of the stand-in API server, through the real client-node: 4
// KubernetesLocker processes for 20 s while holders are SIGSTOPped past their lease (1.5 s),
// workers are SIGKILLed and replaced, and the API server restarts (every connection and watch
// dropped, 500 ms refusing, same objects after). Longer runs: LOCKGATE_CHAOS_MS=300000.
const durationMs = Number(process.env.LOCKGATE_CHAOS_MS ?? 20_000);

it(
  `chaos with API server restarts for ${durationMs / 1000} s: exclusion among live holders, fencing stops paused ones`,
  async () => {
    const standIn = await startKubeApiStandIn();
    standIn.create(configMaps, { name: "chaos", namespace: "ci" });
    const dir = mkdtempSync(join(tmpdir(), "lockgate-k8s-chaos-"));
    const kubeconfig = join(dir, "kubeconfig");
    writeFileSync(kubeconfig, standIn.kubeconfig(), { mode: 0o600 });
    const worker = join(import.meta.dirname, "test-support", "kubernetes-chaos-worker.ts");
    try {
      const { run, report } = await runChaosCase({
        label: "kubernetes",
        start: (_, chaosArgs) =>
          startWorker("node", worker, ["chaos", "ci", ...chaosArgs], {
            cwd: join(import.meta.dirname, ".."),
            env: { KUBECONFIG: kubeconfig },
          }),
        workers: 4,
        durationMs,
        faultEveryMs: 1_500,
        pauseMs: 3_000,
        restartStore: () => standIn.restart(500),
        starvationBoundMs: 20_000,
      });
      expect(run.stderr).toEqual([]);
      expect(run.exits.every((code) => code === 0)).toBe(true);
      expect(report.problems).toEqual([]);
      expect(report.sections).toBeGreaterThan(20);
      expect(run.faults.restart).toBeGreaterThan(0);
    } finally {
      await standIn.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
  durationMs + 90_000,
);
