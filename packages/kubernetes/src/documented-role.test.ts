import { readFileSync } from "node:fs";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { configMaps, type PolicyRule, startKubeApiStandIn } from "@lockgate/kube-api-standin";
import { describe, expect, it } from "vitest";
import { KubernetesLocker } from "./kubernetes-locker.ts";

// The Role the README tells people to bind, read from the README itself, is all locking needs:
// grants, handoffs, inspect and list, without one error.

/** The rules of the first Role in the README's YAML (flow-style lists, one field a line). */
function documentedRules(): PolicyRule[] {
  const readme = readFileSync(
    join(import.meta.dirname, "..", "..", "..", "docs-src", "kubernetes.md"),
    "utf8",
  );
  const yaml = /```yaml\n([\s\S]*?)\n---/.exec(readme)?.[1] ?? "";
  const rules: Record<string, string[]>[] = [];
  for (const line of yaml.slice(yaml.indexOf("rules:")).split("\n")) {
    const field = /^\s*(-\s+)?(\w+): (\[.*\])\s*$/.exec(line);
    if (!field) continue;
    if (field[1]) rules.push({});
    const rule = rules.at(-1);
    if (rule) rule[field[2] as string] = JSON.parse(field[3] as string) as string[];
  }
  return rules.map((r) => ({
    apiGroups: r.apiGroups ?? [],
    resources: r.resources ?? [],
    verbs: r.verbs ?? [],
    ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}),
    namespaces: ["ci"],
  }));
}

describe("the README's Role", () => {
  it("is read from the README: get, patch and watch on the one ConfigMap", () => {
    expect(documentedRules()).toEqual([
      {
        apiGroups: [""],
        resources: ["configmaps"],
        resourceNames: ["deploy-locks"],
        verbs: ["get", "patch", "watch"],
        namespaces: ["ci"],
      },
    ]);
  });

  it("is enough to lock, hand over, inspect and list, with no error at all", async () => {
    const token = "documented-role-token-0123";
    const standIn = await startKubeApiStandIn({
      users: { [token]: { name: "system:serviceaccount:ci:ci-runner", rules: documentedRules() } },
    });
    standIn.create(configMaps, { name: "deploy-locks", namespace: "ci" });
    const errors: unknown[] = [];
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(standIn.kubeconfig({ token }));
    const options = {
      object: {
        group: "",
        version: "v1",
        resource: "configmaps",
        name: "deploy-locks",
        namespace: "ci",
      },
      kubeConfig,
      onError: (error: unknown) => errors.push(error),
    };
    const a = new KubernetesLocker(options);
    const b = new KubernetesLocker(options);
    try {
      const first = await a.acquire("deploy/prod", { value: { job: "1" } });
      const waiting = b.acquire("deploy/prod", { timeout: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const info = await b.inspect("deploy/prod");
      expect(info.holders.map((h) => h.value)).toEqual([{ job: "1" }]);
      expect(info.waiters).toHaveLength(1);
      expect((await a.list("deploy/")).map((l) => l.name)).toEqual(["deploy/prod"]);
      const watchesBefore = standIn.requests.watch ?? 0;
      await first.release();
      const second = await waiting;
      expect(second.fencingToken).toBe(first.fencingToken + 1);
      await second.release();
      expect(watchesBefore).toBeGreaterThan(0); // the waiter was told by its watch
      expect(errors.map(String)).toEqual([]);
    } finally {
      await a.close();
      await b.close();
      await standIn.close();
    }
  });
});
