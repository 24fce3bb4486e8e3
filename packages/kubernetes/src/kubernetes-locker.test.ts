import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { configMaps, type KubeApiStandIn, startKubeApiStandIn } from "@lockgate/kube-api-standin";
import {
  finished,
  overlapsIn,
  prepareCounterFiles,
  type Runtime,
  startWorker,
} from "@lockgate/process-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let standIn: KubeApiStandIn;
beforeAll(async () => {
  standIn = await startKubeApiStandIn();
});
afterAll(() => standIn.close());

describe("KubernetesLocker across processes", () => {
  it("Node, Bun and Deno processes x 60 rounds on one ConfigMap while another writer keeps changing it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lockgate-k8s-mp-"));
    const kubeconfig = join(dir, "kubeconfig");
    writeFileSync(kubeconfig, standIn.kubeconfig(), { mode: 0o600 });
    standIn.create(configMaps, { name: "ci-locks", namespace: "ci" });
    const { counter, log } = prepareCounterFiles(dir);
    // The unrelated writer: a controller bumping its own annotation every 5 ms.
    let unrelated = 0;
    const churn = setInterval(
      () =>
        standIn.annotate(
          configMaps,
          "ci",
          "ci-locks",
          "controller.example/seen",
          String(++unrelated),
        ),
      5,
    );
    const worker = join(import.meta.dirname, "test-support", "kubernetes-worker.ts");
    const runtimes: Runtime[] = ["node", "node", "bun", "deno"];
    const patchesBefore = standIn.requests.patch ?? 0;
    try {
      const results = await Promise.all(
        runtimes.map((runtime) =>
          finished(
            startWorker(runtime, worker, ["ci-locks", "ci", counter, "60", log], {
              cwd: join(import.meta.dirname, ".."),
              env: { KUBECONFIG: kubeconfig },
            }),
          ),
        ),
      );
      for (const r of results) expect(r.code, r.stderr).toBe(0);
    } finally {
      clearInterval(churn);
    }
    expect(Number(readFileSync(counter, "utf8"))).toBe(240);
    const { problems, sections, tokens } = overlapsIn(log);
    expect(problems).toEqual([]);
    expect(sections).toBe(240);
    for (let i = 1; i < tokens.length; i++)
      expect(tokens[i]).toBeGreaterThan(tokens[i - 1] as number);
    // Lock writes were not starved: the unrelated writer kept going the whole time.
    expect(unrelated).toBeGreaterThan(100);
    console.log(
      `k8s multi-process: ${standIn.requests.patch! - patchesBefore} lock patches for 240 rounds, ${unrelated} unrelated writes`,
    );
    rmSync(dir, { recursive: true, force: true });
  }, 180_000);
});

/** 4 Node processes x `rounds` increments under one lock on `object`, via the kubeconfig file. */
async function countAcrossProcesses(
  kubeconfig: string,
  name: string,
  namespace: string,
  rounds: number,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "lockgate-k8s-real-"));
  try {
    const { counter, log } = prepareCounterFiles(dir);
    const worker = join(import.meta.dirname, "test-support", "kubernetes-worker.ts");
    const results = await Promise.all(
      [1, 2, 3, 4].map(() =>
        finished(
          startWorker("node", worker, [name, namespace, counter, String(rounds), log], {
            cwd: join(import.meta.dirname, ".."),
            env: { KUBECONFIG: kubeconfig },
          }),
        ),
      ),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(Number(readFileSync(counter, "utf8"))).toBe(4 * rounds);
    const { problems, sections, tokens } = overlapsIn(log);
    expect(problems).toEqual([]);
    expect(sections).toBe(4 * rounds);
    for (let i = 1; i < tokens.length; i++)
      expect(tokens[i]).toBeGreaterThan(tokens[i - 1] as number);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const realKubeconfig = process.env.LOCKGATE_TEST_KUBECONFIG || undefined;
describe("KubernetesLocker across processes on a real cluster", () => {
  if (!realKubeconfig) {
    it.skip("skipped: set LOCKGATE_TEST_KUBECONFIG to a kubeconfig file (and LOCKGATE_TEST_NAMESPACE) to run 4 processes x 50 increments against that cluster", () => {});
    return;
  }
  it("4 Node processes x 50 increments: exactly 200, one holder at a time, tokens increasing", async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(realKubeconfig);
    const namespace = process.env.LOCKGATE_TEST_NAMESPACE || "default";
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const name = `lockgate-test-counter-${process.pid}`;
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name } } });
    try {
      await countAcrossProcesses(realKubeconfig, name, namespace, 50);
    } finally {
      await core.deleteNamespacedConfigMap({ name, namespace });
    }
  }, 600_000);
});
