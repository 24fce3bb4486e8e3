import { KubeConfig } from "@kubernetes/client-node";
import { isLockgateError } from "@lockgate/core";
import { configMaps, type KubeApiStandIn, startKubeApiStandIn } from "@lockgate/kube-api-standin";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubernetesLocker } from "./kubernetes-locker.ts";

// How the locker behaves when the cluster is not as it should be: each failure mode must be
// said once, clearly, and never drown onError or stop locking that can still work.

const noWatchToken = "no-watch-token-0123456789";
let standIn: KubeApiStandIn;
let made = 0;

beforeAll(async () => {
  standIn = await startKubeApiStandIn({
    users: {
      [noWatchToken]: {
        name: "system:serviceaccount:ci:no-watch",
        rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "patch"] }],
      },
    },
  });
});
afterAll(() => standIn.close());

function newObject() {
  const name = `failures-${++made}`;
  standIn.create(configMaps, { name, namespace: "ci" });
  return { apiVersion: "v1", kind: "ConfigMap", name, namespace: "ci" } as const;
}

function kubeConfigFor(token?: string | null): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(standIn.kubeconfig(token === undefined ? {} : { token }));
  return kubeConfig;
}

describe("KubernetesLocker when things go wrong", () => {
  it("close() while an acquire waits: the acquire fails as closed, and onError hears nothing", async () => {
    const object = newObject();
    const errors: unknown[] = [];
    const holder = new KubernetesLocker({ object, kubeConfig: kubeConfigFor() });
    const waiter = new KubernetesLocker({
      object,
      kubeConfig: kubeConfigFor(),
      onError: (error: unknown) => errors.push(error),
    });
    try {
      const held = await holder.acquire("job");
      const waiting = waiter.acquire("job").catch((error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 300));
      standIn.faults.latencyMs = 50; // requests in flight when close() aborts them
      await waiter.close();
      const failed = await waiting;
      standIn.faults.latencyMs = 0;
      expect(isLockgateError(failed, "store-unavailable")).toBe(true);
      expect(String((failed as Error).message)).toMatch(/closed/);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(errors.map(String)).toEqual([]);
      await held.release();
    } finally {
      standIn.faults.latencyMs = 0;
      await holder.close();
      await waiter.close();
    }
  });

  it("without the watch verb: locks still hand over (by polling), and onError hears of it a few times, not 16 a second", async () => {
    const object = newObject();
    const errors: [unknown[], unknown[]] = [[], []];
    const options = (i: 0 | 1) => ({
      object,
      kubeConfig: kubeConfigFor(noWatchToken),
      pollInterval: 100,
      onError: (error: unknown) => errors[i].push(error),
    });
    // The holder follows its lock too (its watch refused likewise): each locker is judged alone.
    const a = new KubernetesLocker(options(0));
    const b = new KubernetesLocker(options(1));
    try {
      const held = await a.acquire("job");
      const waiting = b.acquire("job", { timeout: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      await held.release();
      const releasedAt = performance.now();
      const next = await waiting;
      // Served by polling: within a few poll intervals, not a backoff step of up to 30 s.
      expect(performance.now() - releasedAt).toBeLessThan(2_000);
      await next.release();
      for (const heard of errors) {
        const forbidden = heard.filter((e) => /Not allowed to watch/.test(String(e)));
        expect(forbidden.length).toBeGreaterThan(0);
        // Backoff from 50 ms doubling (full jitter): about 7 steps in 5 s; before, ~80.
        expect(forbidden.length).toBeLessThanOrEqual(12);
        expect(forbidden.length).toBe(heard.length);
      }
    } finally {
      await a.close();
      await b.close();
    }
  }, 20_000);

  it("a wrong token says credentials (401) even when discovery is the first call to meet it", async () => {
    const locker = new KubernetesLocker({
      object: newObject(),
      kubeConfig: kubeConfigFor("not-a-token-of-this-cluster"),
    });
    try {
      const error = await locker.acquire("x", { timeout: 2_000 }).catch((e: unknown) => e);
      expect(isLockgateError(error, "store-unavailable")).toBe(true);
      expect(String((error as Error).message)).toMatch(/did not accept our credentials.*401/);
      expect((error as { retryable: boolean }).retryable).toBe(false);
    } finally {
      await locker.close();
    }
  });

  it("no credentials at all (anonymous, 403 on discovery) says so and how to fix it", async () => {
    const locker = new KubernetesLocker({ object: newObject(), kubeConfig: kubeConfigFor(null) });
    try {
      const error = await locker.acquire("x", { timeout: 2_000 }).catch((e: unknown) => e);
      expect(isLockgateError(error, "store-unavailable")).toBe(true);
      expect(String((error as Error).message)).toMatch(/discovery document \/api\/v1 \(403/);
    } finally {
      await locker.close();
    }
  });

  it("after an API server outage, close() reports none of its own aborts; lease-lost messages give whole ms", async () => {
    const object = newObject();
    const errors: unknown[] = [];
    const options = {
      object,
      kubeConfig: kubeConfigFor(),
      leaseTtl: 1_000,
      onError: (error: unknown) => errors.push(error),
    };
    const holder = new KubernetesLocker(options);
    const waiter = new KubernetesLocker(options);
    try {
      const held = await holder.acquire("job");
      const waiting = waiter.acquire("job", { timeout: 20_000 });
      const lost = new Promise<unknown>((resolve) =>
        held.signal.addEventListener("abort", () => resolve(held.signal.reason), { once: true }),
      );
      await standIn.restart(1_500);
      const reason = await lost;
      expect(isLockgateError(reason, "lease-lost")).toBe(true);
      expect(String((reason as Error).message)).toMatch(/within 667 ms, .* after 1000 ms/);
      const next = await waiting;
      expect(next.fencingToken).toBeGreaterThan(held.fencingToken);
      const before = errors.length;
      await next.release();
      await Promise.all([holder.close(), waiter.close()]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const afterClose = errors.slice(before);
      expect(afterClose.map(String)).toEqual([]);
      expect(errors.filter((e) => (e as Error)?.name === "AbortError")).toEqual([]);
    } finally {
      await holder.close();
      await waiter.close();
    }
  }, 30_000);
});
