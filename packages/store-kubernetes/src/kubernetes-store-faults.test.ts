import { createHash } from "node:crypto";
import { isLockgateError, type StoreRecord } from "@lockgate/core";
import { configMaps, lockBoards, lockShelves } from "@lockgate/kube-api-standin";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lockAnnotationKey, lockNameHash } from "./annotation-keys.ts";
import { KubernetesStore } from "./kubernetes-store.ts";
import { startStandInCluster, type TestCluster } from "./test-support/clusters.ts";

let cluster: TestCluster;
const standIn = () => cluster.standIn as NonNullable<TestCluster["standIn"]>;
const readerToken = "reader-token-abcdef0123";

beforeAll(async () => {
  cluster = await startStandInCluster({
    bookmarkInterval: 200,
    historyLimit: 50,
    users: {
      [readerToken]: {
        name: "system:serviceaccount:lockgate-test:ci",
        rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }],
      },
    },
  });
});
afterAll(() => cluster.close());

const storeOn = async (resyncInterval = 5_000) =>
  new KubernetesStore({
    object: await cluster.newConfigMap(),
    kubeConfig: cluster.kubeConfig,
    resyncInterval,
  });

async function nextMatching(
  iterator: AsyncIterator<StoreRecord>,
  value: string,
  timeout: number,
): Promise<number> {
  const start = performance.now();
  for (;;) {
    const item = await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no ${value} within ${timeout} ms`)), timeout),
      ),
    ]);
    if (item.done) throw new Error("watch ended");
    if (item.value.value === value) return performance.now() - start;
  }
}

describe("KubernetesStore over the stand-in", () => {
  it("annotation keys are Go lockgate's: lockgate.io/<hex SHA3-224 of the name>", () => {
    for (const name of ["", "deploy/prod", "ключ 🔒"]) {
      expect(lockNameHash(name)).toBe(createHash("sha3-224").update(name, "utf8").digest("hex"));
    }
    expect(lockAnnotationKey("")).toBe(
      "lockgate.io/6b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7",
    );
  });

  it("writes to one annotation never fail because other annotations of the object keep changing", async () => {
    const object = await cluster.newConfigMap();
    const store = new KubernetesStore({ object, kubeConfig: cluster.kubeConfig });
    let version = await store.put("k", "0", null);
    let unrelated = 0;
    const churn = setInterval(() => {
      for (let i = 0; i < 5; i++)
        standIn().annotate(
          configMaps,
          object.namespace,
          object.name,
          "ci.example/heartbeat",
          String(++unrelated),
        );
    }, 2);
    try {
      const before = standIn().requests.patch ?? 0;
      for (let i = 1; i <= 100; i++) version = await store.put("k", String(i), version);
      expect(standIn().requests.patch! - before).toBe(100); // not one retry
      expect((await store.get("k")).value).toBe("100");
      expect(unrelated).toBeGreaterThan(100);
    } finally {
      clearInterval(churn);
      await store.close();
    }
  });

  it("creating a key retries while only other annotations change, and still loses to a real creator", async () => {
    const object = await cluster.newConfigMap();
    const store = new KubernetesStore({ object, kubeConfig: cluster.kubeConfig });
    standIn().faults.latencyMs = 2;
    // Another writer changes the object every 10 ms, about as often as a create's read and patch take.
    const churn = setInterval(
      () =>
        standIn().annotate(
          configMaps,
          object.namespace,
          object.name,
          "ci.example/x",
          String(Math.random()),
        ),
      10,
    );
    try {
      const before = standIn().requests.patch ?? 0;
      for (let i = 0; i < 20; i++) await store.put(`fresh-${i}`, "v", null);
      const attempts = standIn().requests.patch! - before;
      expect(attempts).toBeGreaterThan(20); // the churn did make creates retry
      expect(await store.list("fresh-")).toHaveLength(20);
      const race = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => store.put("contested", `c${i}`, null)),
      );
      expect(race.filter((r) => r.status === "fulfilled").length).toBe(1);
      for (const r of race)
        if (r.status === "rejected") expect(isLockgateError(r.reason, "conflict")).toBe(true);
    } finally {
      clearInterval(churn);
      standIn().faults.latencyMs = 0;
      await store.close();
    }
  });

  it("a 422 'not applied' is a conflict only when the record changed; otherwise a clear invalid-argument", async () => {
    const object = await cluster.newConfigMap();
    const a = new KubernetesStore({ object, kubeConfig: cluster.kubeConfig });
    const b = new KubernetesStore({ object, kubeConfig: cluster.kubeConfig });
    try {
      const v1 = await a.put("k", "1", null);
      // A lost race: the real server's answer is the same bare 422 as for a bad patch.
      await b.put("k", "2", v1);
      const lost = await a.put("k", "3", v1).catch((error: unknown) => error);
      expect(isLockgateError(lost, "conflict")).toBe(true);
      const lostCreate = await a.put("k", "4", null).catch((error: unknown) => error);
      expect(isLockgateError(lostCreate, "conflict")).toBe(true);

      // Refused although nothing changed: not a race, so not retried as one.
      const current = await a.get("k");
      standIn().faults.refuseJsonPatches = true;
      const refused = await a.put("k", "5", current.version).catch((error: unknown) => error);
      expect(isLockgateError(refused, "invalid-argument")).toBe(true);
      expect((refused as { retryable: boolean }).retryable).toBe(false);
      expect(String((refused as Error).message)).toMatch(
        /test \/metadata\/annotations\/lockgate\.io~1/,
      );
      const refusedCreate = await a.put("other", "x", null).catch((error: unknown) => error);
      expect(isLockgateError(refusedCreate, "invalid-argument")).toBe(true);
      standIn().faults.refuseJsonPatches = false;
      expect(await a.get("k")).toEqual(current);
      expect(await a.get("other")).toEqual({ value: null, version: null });
    } finally {
      standIn().faults.refuseJsonPatches = false;
      await a.close();
      await b.close();
    }
  });

  it("a free record is kept aside in the meta annotation: no lock annotation, as Go leaves a free lock", async () => {
    const object = await cluster.newConfigMap();
    const free = (v: string) => v.startsWith("free:");
    const store = new KubernetesStore({ object, kubeConfig: cluster.kubeConfig, isFree: free });
    const annotations = () =>
      (standIn().objects.get(configMaps, object.namespace, object.name)?.metadata.annotations ??
        {}) as Record<string, string>;
    try {
      const held = await store.put("k", "held:1", null);
      expect(annotations()[lockAnnotationKey("k")]).toBe("held:1");
      const aside = await store.put("k", "free:2", held);
      expect(annotations()[lockAnnotationKey("k")]).toBeUndefined();
      expect(await store.get("k")).toEqual({ value: "free:2", version: aside });
      expect(await store.list("")).toEqual(["k"]);
      // From aside to held, and to aside again, each a compare-and-swap on the version read.
      const again = await store.put("k", "held:3", aside);
      expect(annotations()[lockAnnotationKey("k")]).toBe("held:3");
      const aside2 = await store.put("k", "free:4", again);
      // Go creates the annotation meanwhile (acquires the free lock): our write from aside loses.
      standIn().annotate(configMaps, object.namespace, object.name, lockAnnotationKey("k"), "go");
      const lost = await store.put("k", "held:5", aside2).catch((e: unknown) => e);
      expect(isLockgateError(lost, "conflict")).toBe(true);
      expect((await store.get("k")).value).toBe("go");
      // Go deletes it on release: our kept record is what remains.
      standIn().annotate(configMaps, object.namespace, object.name, lockAnnotationKey("k"), null);
      expect(await store.get("k")).toEqual({ value: "free:4", version: aside2 });
      await store.put("k", null, aside2);
      expect(await store.get("k")).toEqual({ value: null, version: null });
      expect(await store.list("")).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("reuses one TLS connection for its requests (client-node alone opens one per request)", async () => {
    const store = await storeOn();
    try {
      const before = standIn().connections;
      let version = await store.put("reuse", "0", null);
      for (let i = 1; i <= 40; i++) {
        version = await store.put("reuse", String(i), version);
        await store.get("reuse");
      }
      expect(standIn().connections - before).toBe(1);
    } finally {
      await store.close();
    }
  });

  it("a watch that stops silently is caught by the resync read and restarted", async () => {
    const store = await storeOn(300);
    const controller = new AbortController();
    try {
      const iterator = store.watch("w", controller.signal)[Symbol.asyncIterator]();
      await iterator.next();
      let version = await store.put("w", "1", null);
      await nextMatching(iterator, "1", 2_000);
      standIn().faults.stallWatches();
      version = await store.put("w", "2", version);
      await nextMatching(iterator, "2", 3_000); // delivered by the resync, not the stalled stream
      await store.put("w", "3", version);
      const took = await nextMatching(iterator, "3", 3_000); // and the restarted watch works again
      expect(took).toBeLessThan(3_000);
    } finally {
      controller.abort();
      await store.close();
    }
  });

  it("a watch ended by the server resumes from its resourceVersion; after 410 Gone it re-reads", async () => {
    const store = await storeOn();
    const controller = new AbortController();
    try {
      const iterator = store.watch("g", controller.signal)[Symbol.asyncIterator]();
      await iterator.next();
      let version = await store.put("g", "a", null);
      await nextMatching(iterator, "a", 2_000);
      standIn().faults.endWatches();
      version = await store.put("g", "b", version);
      await nextMatching(iterator, "b", 3_000);
      // Too many writes for the history, then the stream ends: resuming gets 410.
      const object = await store.object();
      for (let i = 0; i < 60; i++)
        standIn().annotate(configMaps, object.namespace, object.name, "ci.example/n", String(i));
      standIn().objects.compact();
      standIn().faults.endWatches();
      await store.put("g", "c", version);
      await nextMatching(iterator, "c", 3_000);
    } finally {
      controller.abort();
      await store.close();
    }
  });

  it("a missing object, missing RBAC verbs and full annotations give clear, non-retryable errors", async () => {
    const missing = new KubernetesStore({
      object: { apiVersion: "v1", kind: "ConfigMap", name: "nope", namespace: "lockgate-test" },
      kubeConfig: cluster.kubeConfig,
    });
    await expect(missing.get("k")).rejects.toSatisfy(
      (e: unknown) =>
        isLockgateError(e, "store-unavailable") &&
        !e.retryable &&
        /does not exist \(404\).*kubectl create configmap nope -n lockgate-test/.test(e.message),
    );
    await missing.close();

    const object = await cluster.newConfigMap();
    const { KubeConfig } = await import("@kubernetes/client-node");
    const readerConfig = new KubeConfig();
    readerConfig.loadFromString(standIn().kubeconfig({ token: readerToken }));
    const reader = new KubernetesStore({ object, kubeConfig: readerConfig });
    expect(await reader.get("k")).toEqual({ value: null, version: null });
    await expect(reader.put("k", "v", null)).rejects.toSatisfy(
      (e: unknown) =>
        isLockgateError(e, "store-unavailable") &&
        !e.retryable &&
        e.message.includes("403 Forbidden") &&
        e.message.includes('verbs ["get", "patch", "watch"]') &&
        e.message.includes(`resourceNames ["${object.name}"]`),
    );
    await reader.close();

    const store = new KubernetesStore({ object, kubeConfig: cluster.kubeConfig });
    const big = "x".repeat(100 * 1024);
    await store.put("a", big, null);
    await store.put("b", big, null);
    await expect(store.put("c", big, null)).rejects.toSatisfy(
      (e: unknown) =>
        isLockgateError(e, "store-unavailable") &&
        /exceed Kubernetes' 256 KiB total/.test((e as Error).message),
    );
    expect((await store.get("c")).value).toBeNull();
    expect((await store.get("a")).value).toBe(big);
    await store.close();
  });

  it("works on a cluster-scoped custom resource by group/version/resource and on a namespaced one by kind", async () => {
    standIn().create(lockBoards, { name: "board-1" });
    standIn().create(lockShelves, { name: "shelf-1", namespace: "team-a" });
    for (const object of [
      { group: "lockgate.dev", version: "v1", resource: "lockboards", name: "board-1" },
      { apiVersion: "lockgate.dev/v1", kind: "LockShelf", name: "shelf-1", namespace: "team-a" },
    ]) {
      const store = new KubernetesStore({ object, kubeConfig: cluster.kubeConfig });
      const v = await store.put("x", "1", null);
      await store.put("x", "2", v);
      expect(await store.list("")).toEqual(["x"]);
      await store.close();
    }
    const wrongScope = new KubernetesStore({
      object: { apiVersion: "lockgate.dev/v1", kind: "LockBoard", name: "board-1", namespace: "x" },
      kubeConfig: cluster.kubeConfig,
    });
    await expect(wrongScope.get("x")).rejects.toSatisfy(
      (e: unknown) =>
        isLockgateError(e, "invalid-argument") && /cluster-scoped/.test((e as Error).message),
    );
    await wrongScope.close();
  });
});
