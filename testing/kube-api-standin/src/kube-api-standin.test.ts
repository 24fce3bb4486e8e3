import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KubeApiStandIn, startKubeApiStandIn } from "./kube-api-standin.ts";
import { configMaps, lockBoards } from "./resource-types.ts";

// The stand-in is only worth something if the real client reads it as it reads kube-apiserver:
// every case here goes through @kubernetes/client-node.

let api: KubeApiStandIn;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let kc: KubeConfig;
const readerToken = "reader-token-0123456789";

beforeAll(async () => {
  api = await startKubeApiStandIn({
    bookmarkInterval: 100,
    historyLimit: 5,
    users: {
      [readerToken]: {
        name: "system:serviceaccount:ci:reader",
        rules: [
          {
            apiGroups: [""],
            resources: ["configmaps"],
            verbs: ["get", "list", "watch"],
            namespaces: ["ci"],
          },
        ],
      },
    },
  });
  kc = new KubeConfig();
  kc.loadFromString(api.kubeconfig());
  core = kc.makeApiClient(CoreV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
  api.create(configMaps, {
    name: "locks",
    namespace: "ci",
    annotations: { "other.example/a": "1" },
  });
  api.create(lockBoards, { name: "board" });
});

afterAll(() => api.close());

async function statusOf(
  promise: Promise<unknown>,
): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiException) {
      return {
        code: error.code,
        body: (typeof error.body === "string" ? JSON.parse(error.body) : error.body) as Record<
          string,
          unknown
        >,
      };
    }
    throw error;
  }
  throw new Error("expected the request to fail");
}

const jsonPatch = setHeaderOptions("Content-Type", PatchStrategy.JsonPatch);

describe("kube-api-standin through @kubernetes/client-node", () => {
  it("reads, and answers 404 with a NotFound Status", async () => {
    const cm = await core.readNamespacedConfigMap({ name: "locks", namespace: "ci" });
    expect(cm.metadata?.annotations).toEqual({ "other.example/a": "1" });
    const missing = await statusOf(core.readNamespacedConfigMap({ name: "nope", namespace: "ci" }));
    expect(missing.code).toBe(404);
    expect(missing.body).toMatchObject({
      kind: "Status",
      reason: "NotFound",
      message: 'configmaps "nope" not found',
    });
  });

  it("restart: refused while down, then the same objects on the same URL", async () => {
    const before = await core.readNamespacedConfigMap({ name: "locks", namespace: "ci" });
    const restarting = api.restart(300);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(core.readNamespacedConfigMap({ name: "locks", namespace: "ci" })).rejects.toThrow(
      /ECONNREFUSED/,
    );
    await restarting;
    const after = await core.readNamespacedConfigMap({ name: "locks", namespace: "ci" });
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    expect(after.metadata?.annotations).toEqual(before.metadata?.annotations);
  });

  it("JSON Patch: test then replace applies; a failed test is 422 and changes nothing", async () => {
    const path = "/metadata/annotations/other.example~1a";
    const ok = await core.patchNamespacedConfigMap(
      {
        name: "locks",
        namespace: "ci",
        body: [
          { op: "test", path, value: "1" },
          { op: "replace", path, value: "2" },
        ],
      },
      jsonPatch,
    );
    expect(ok.metadata?.annotations?.["other.example/a"]).toBe("2");
    const failed = await statusOf(
      core.patchNamespacedConfigMap(
        {
          name: "locks",
          namespace: "ci",
          body: [
            { op: "test", path, value: "1" },
            { op: "replace", path, value: "3" },
          ],
        },
        jsonPatch,
      ),
    );
    // As the real server: the generic 422 with empty details, nothing that names the failed test.
    expect(failed.code).toBe(422);
    expect(failed.body.reason).toBe("Invalid");
    expect(failed.body.details).toStrictEqual({});
    const missingPath = await statusOf(
      core.patchNamespacedConfigMap(
        {
          name: "locks",
          namespace: "ci",
          body: [{ op: "test", path: "/metadata/annotations/absent", value: null }],
        },
        jsonPatch,
      ),
    );
    expect(missingPath.code).toBe(422);
    expect(
      (await core.readNamespacedConfigMap({ name: "locks", namespace: "ci" })).metadata
        ?.annotations?.["other.example/a"],
    ).toBe("2");
  });

  it("update with a stale resourceVersion is 409 Conflict with apiserver's message", async () => {
    const cm = await core.readNamespacedConfigMap({ name: "locks", namespace: "ci" });
    api.annotate(configMaps, "ci", "locks", "other.example/b", "x");
    const stale = await statusOf(
      core.replaceNamespacedConfigMap({ name: "locks", namespace: "ci", body: cm }),
    );
    expect(stale.code).toBe(409);
    expect(stale.body.reason).toBe("Conflict");
    expect(stale.body.message).toContain(
      "the object has been modified; please apply your changes to the latest version",
    );
    const fresh = await core.readNamespacedConfigMap({ name: "locks", namespace: "ci" });
    const updated = await core.replaceNamespacedConfigMap({
      name: "locks",
      namespace: "ci",
      body: fresh,
    });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(
      Number(fresh.metadata?.resourceVersion),
    );
  });

  it("merge and strategic merge patches merge annotations; a custom resource refuses strategic merge (415)", async () => {
    await core.patchNamespacedConfigMap(
      {
        name: "locks",
        namespace: "ci",
        body: { metadata: { annotations: { "m.example/x": "1" } } },
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const smp = await core.patchNamespacedConfigMap(
      {
        name: "locks",
        namespace: "ci",
        body: { metadata: { annotations: { "m.example/y": "2", "m.example/x": null } } },
      },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    expect(smp.metadata?.annotations?.["m.example/y"]).toBe("2");
    expect(smp.metadata?.annotations?.["m.example/x"]).toBeUndefined();
    expect(smp.metadata?.annotations?.["other.example/a"]).toBe("2");
    const refused = await statusOf(
      custom.patchClusterCustomObject(
        {
          group: "lockgate.dev",
          version: "v1",
          plural: "lockboards",
          name: "board",
          body: { metadata: { annotations: { a: "1" } } },
        },
        setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
      ),
    );
    expect(refused.code).toBe(415);
    const merged = (await custom.patchClusterCustomObject(
      {
        group: "lockgate.dev",
        version: "v1",
        plural: "lockboards",
        name: "board",
        body: { metadata: { annotations: { a: "1" } } },
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    )) as { metadata: { annotations: Record<string, string> } };
    expect(merged.metadata.annotations).toEqual({ a: "1" });
  });

  it("annotations over 256 KiB in total are refused with 422 Invalid naming the field", async () => {
    const big = "x".repeat(200 * 1024);
    await core.patchNamespacedConfigMap(
      {
        name: "locks",
        namespace: "ci",
        body: [{ op: "add", path: "/metadata/annotations/big.example~1one", value: big }],
      },
      jsonPatch,
    );
    const over = await statusOf(
      core.patchNamespacedConfigMap(
        {
          name: "locks",
          namespace: "ci",
          body: [{ op: "add", path: "/metadata/annotations/big.example~1two", value: big }],
        },
        jsonPatch,
      ),
    );
    expect(over.code).toBe(422);
    expect(over.body.message).toBe(
      'ConfigMap "locks" is invalid: metadata.annotations: Too long: must have at most 262144 bytes',
    );
    await core.patchNamespacedConfigMap(
      {
        name: "locks",
        namespace: "ci",
        body: [{ op: "remove", path: "/metadata/annotations/big.example~1one" }],
      },
      jsonPatch,
    );
  });

  it("RBAC: a user without patch gets 403 naming the verb, resource and namespace; an unknown token is 401, none is 403 for system:anonymous", async () => {
    const reader = new KubeConfig();
    reader.loadFromString(api.kubeconfig({ token: readerToken }));
    const readerCore = reader.makeApiClient(CoreV1Api);
    await readerCore.readNamespacedConfigMap({ name: "locks", namespace: "ci" });
    const denied = await statusOf(
      readerCore.patchNamespacedConfigMap(
        {
          name: "locks",
          namespace: "ci",
          body: [{ op: "add", path: "/metadata/annotations/x", value: "1" }],
        },
        jsonPatch,
      ),
    );
    expect(denied.code).toBe(403);
    expect(denied.body.message).toBe(
      'configmaps "locks" is forbidden: User "system:serviceaccount:ci:reader" cannot patch resource "configmaps" in API group "" in the namespace "ci"',
    );
    const nobody = new KubeConfig();
    nobody.loadFromString(api.kubeconfig({ token: "unknown-token-0000000000" }));
    expect(
      (
        await statusOf(
          nobody
            .makeApiClient(CoreV1Api)
            .readNamespacedConfigMap({ name: "locks", namespace: "ci" }),
        )
      ).code,
    ).toBe(401);
    const anonymous = new KubeConfig();
    anonymous.loadFromString(api.kubeconfig({ token: null }));
    const refused = await statusOf(
      anonymous
        .makeApiClient(CoreV1Api)
        .readNamespacedConfigMap({ name: "locks", namespace: "ci" }),
    );
    expect(refused.code).toBe(403);
    expect(refused.body.message).toBe(
      'configmaps "locks" is forbidden: User "system:anonymous" cannot get resource "configmaps" in API group "" in the namespace "ci"',
    );
  });

  it("watch: events after a resourceVersion, bookmarks, and 410 Gone for a compacted one", async () => {
    const start = (await core.readNamespacedConfigMap({ name: "locks", namespace: "ci" })).metadata
      ?.resourceVersion;
    const events: { type: string; rv: string | undefined; code?: number }[] = [];
    const watch = new Watch(kc);
    const ended = new Promise<unknown>((resolve) => {
      void watch
        .watch(
          "/api/v1/namespaces/ci/configmaps",
          {
            fieldSelector: "metadata.name=locks",
            resourceVersion: start,
            allowWatchBookmarks: true,
          },
          (type, object: { metadata?: { resourceVersion?: string }; code?: number }) =>
            events.push({
              type,
              rv: object.metadata?.resourceVersion,
              ...(object.code ? { code: object.code } : {}),
            }),
          resolve,
        )
        .then((controller) => setTimeout(() => controller.abort(), 600));
    });
    api.annotate(configMaps, "ci", "locks", "w.example/1", "a");
    api.create(configMaps, { name: "unrelated", namespace: "ci" });
    api.annotate(configMaps, "ci", "locks", "w.example/1", "b");
    await ended;
    const modified = events.filter((e) => e.type === "MODIFIED");
    expect(modified.length).toBe(2);
    expect(Number(modified[1]?.rv)).toBeGreaterThan(Number(modified[0]?.rv));
    expect(events.some((e) => e.type === "BOOKMARK")).toBe(true);
    // History holds 5 events: a watch from the start is now too old.
    for (let i = 0; i < 6; i++) api.annotate(configMaps, "ci", "locks", "w.example/2", String(i));
    const gone: { type: string; code?: number }[] = [];
    await new Promise<unknown>((resolve) => {
      void watch.watch(
        "/api/v1/namespaces/ci/configmaps",
        { fieldSelector: "metadata.name=locks", resourceVersion: start },
        (type, object: { code?: number }) =>
          gone.push({ type, ...(object.code ? { code: object.code } : {}) }),
        resolve,
      );
    });
    expect(gone).toEqual([{ type: "ERROR", code: 410 }]);
  });
});
