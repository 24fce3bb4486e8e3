import { KubeConfig } from "@kubernetes/client-node";
import { configMaps, type KubeApiStandIn, startKubeApiStandIn } from "@lockgate/kube-api-standin";
import { lockAnnotationKey } from "@lockgate/store-kubernetes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubernetesLocker } from "./kubernetes-locker.ts";
import { GoLockgateClient } from "./test-support/go-lockgate-client.ts";

let standIn: KubeApiStandIn;
let kubeConfig: KubeConfig;
let made = 0;

beforeAll(async () => {
  standIn = await startKubeApiStandIn();
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(standIn.kubeconfig());
});
afterAll(() => standIn.close());

function freshObject() {
  const name = `werf-${++made}`;
  standIn.create(configMaps, { name, namespace: "werf" });
  return {
    object: { group: "", version: "v1", resource: "configmaps", name, namespace: "werf" },
    go: (o: { leaseTtlSeconds?: number } = {}) =>
      new GoLockgateClient({
        kubeConfig,
        name,
        namespace: "werf",
        pollMs: 50,
        conflictRetryMs: 20,
        ...o,
      }),
    annotation: (_lock: string) =>
      standIn.objects.get(configMaps, "werf", name)?.metadata.annotations as
        | Record<string, string>
        | undefined,
    key: lockAnnotationKey,
  };
}

describe("Go lockgate and KubernetesLocker on one object", () => {
  it("a Go holder's record holds us off until Go releases; then we get it at once", async () => {
    const site = freshObject();
    const go = site.go();
    const locker = new KubernetesLocker({ object: site.object, kubeConfig, leaseTtl: 3_000 });
    try {
      const uuid = await go.acquire("deploy/prod");
      expect(await locker.acquire("deploy/prod", { nonBlocking: true })).toBeNull();
      let got = 0;
      const waiting = locker.acquire("deploy/prod", { timeout: 20_000 }).then((lock) => {
        got = performance.now();
        return lock;
      });
      await new Promise((r) => setTimeout(r, 1_500));
      await go.renew("deploy/prod", uuid); // Go's renewal erases our queue entry; we must not care
      await new Promise((r) => setTimeout(r, 500));
      expect(got).toBe(0);
      const released = performance.now();
      await go.release("deploy/prod", uuid);
      const lock = await waiting;
      expect(got - released).toBeLessThan(1_500);
      expect(lock.fencingToken).toBeGreaterThan(Date.now() - 60_000); // seeded from the wall clock
      await lock.release();
    } finally {
      await locker.close();
    }
  }, 30_000);

  it("a Go record whose holder died is taken over once it expires, not before", async () => {
    const site = freshObject();
    const go = site.go({ leaseTtlSeconds: 2 });
    // goLeaseTtl: how long after its last renewal we count a Go holder live (Go's default is 10 s).
    const locker = new KubernetesLocker({
      object: site.object,
      kubeConfig,
      leaseTtl: 3_000,
      goLeaseTtl: 2_000,
    });
    try {
      await go.acquire("build"); // and never renews: the Go process died
      const record = JSON.parse(site.annotation("build")?.[site.key("build")] ?? "{}");
      const start = performance.now();
      const lock = await locker.acquire("build", { timeout: 20_000 });
      const waited = performance.now() - start;
      expect(Date.now() / 1000).toBeGreaterThanOrEqual(record.ExpireAtTimestamp);
      expect(waited).toBeLessThan(4_000);
      await lock.release();
      // A Go holder whose ExpireAtTimestamp passed long ago (by our clock) is still waited for
      // goLeaseTtl from when we first see it: its clock may run behind ours. The later rule wins.
      standIn.annotate(
        configMaps,
        "werf",
        site.object.name,
        site.key("stale"),
        JSON.stringify({
          uuid: "9b1c1f0e-dead-4bee-8f00-000000000001",
          lockName: "stale",
          ExpireAtTimestamp: Math.floor(Date.now() / 1000) - 3_600,
          SharedHoldersCount: 1,
          IsShared: false,
          QueueMembers: null,
        }),
      );
      const seen = performance.now();
      const stale = await locker.acquire("stale", { timeout: 10_000 });
      expect(performance.now() - seen).toBeGreaterThanOrEqual(1_900);
      expect(performance.now() - seen).toBeLessThan(4_000);
      await stale.release();
      // A record Go left with no holder (count 0: released while others queued) is free at once.
      standIn.annotate(
        configMaps,
        "werf",
        site.object.name,
        site.key("old"),
        JSON.stringify({
          uuid: "9b1c1f0e-dead-4bee-8f00-000000000000",
          lockName: "old",
          ExpireAtTimestamp: Math.floor(Date.now() / 1000) - 3_600,
          SharedHoldersCount: 0,
          IsShared: false,
          QueueMembers: null,
        }),
      );
      const at = performance.now();
      const old = await locker.acquire("old", { timeout: 5_000 });
      expect(performance.now() - at).toBeLessThan(1_000);
      await old.release();
    } finally {
      await locker.close();
    }
  }, 30_000);

  it("our holder's record holds Go off through our renewals; Go gets it after our release", async () => {
    const site = freshObject();
    const go = site.go();
    const locker = new KubernetesLocker({ object: site.object, kubeConfig, leaseTtl: 1_500 });
    try {
      const lock = await locker.acquire("db-migrate");
      const record = JSON.parse(site.annotation("db-migrate")?.[site.key("db-migrate")] ?? "{}");
      expect(record).toMatchObject({
        uuid: lock.id,
        lockName: "db-migrate",
        IsShared: false,
        SharedHoldersCount: 1, // as Go writes an exclusive lease
      });
      expect(record.ExpireAtTimestamp).toBeGreaterThan(Date.now() / 1000);
      const deadline = performance.now() + 4_000; // more than 2 of our ttls: renewals must keep Go out
      while (performance.now() < deadline) {
        expect(await go.tryAcquire("db-migrate")).toBe("should wait");
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(lock.signal.aborted).toBe(false);
      await lock.release();
      // Released with nobody waiting: the annotation is gone, as Go leaves a free lock.
      expect(site.annotation("db-migrate")?.[site.key("db-migrate")]).toBeUndefined();
      const uuid = await go.tryAcquire("db-migrate");
      expect(uuid).not.toBe("should wait");
      await go.release("db-migrate", uuid);
      expect(site.annotation("db-migrate")?.[site.key("db-migrate")]).toBeUndefined();
      // Our fencing counter outlived both free periods and Go's hold, where Go does not look.
      const again = await locker.acquire("db-migrate");
      expect(again.fencingToken).toBe(lock.fencingToken + 1);
      await again.release();
    } finally {
      await locker.close();
    }
  }, 30_000);

  it("a semaphore's permits hold Go off as an exclusive holder until the last permit is released", async () => {
    const site = freshObject();
    const go = site.go();
    const lockers = [1, 2].map(
      () => new KubernetesLocker({ object: site.object, kubeConfig, leaseTtl: 1_500 }),
    );
    try {
      const permits = await Promise.all(lockers.map((l) => l.acquire("deploys", { limit: 3 })));
      const record = JSON.parse(site.annotation("deploys")?.[site.key("deploys")] ?? "{}");
      expect(record).toMatchObject({ IsShared: false, SharedHoldersCount: 1 });
      expect(permits.map((p) => p.id)).toContain(record.uuid);
      const deadline = performance.now() + 3_000; // two of our ttls: renewals keep Go out
      while (performance.now() < deadline) {
        expect(await go.tryAcquire("deploys")).toBe("should wait");
        await new Promise((r) => setTimeout(r, 100));
      }
      await permits[0]?.release();
      expect(await go.tryAcquire("deploys")).toBe("should wait"); // one permit still held
      await permits[1]?.release();
      const uuid = await go.tryAcquire("deploys");
      expect(uuid).not.toBe("should wait");
      await go.release("deploys", uuid);
    } finally {
      await Promise.all(lockers.map((l) => l.close()));
    }
  }, 30_000);

  it("two Go clients and two lockers contending: one holder at a time, every round", async () => {
    const site = freshObject();
    const lockers = [0, 1].map(
      () => new KubernetesLocker({ object: site.object, kubeConfig, leaseTtl: 3_000 }),
    );
    let inside = 0;
    let overlaps = 0;
    let rounds = 0;
    const critical = async () => {
      inside += 1;
      if (inside > 1) overlaps += 1;
      await new Promise((r) => setTimeout(r, 5));
      inside -= 1;
      rounds += 1;
    };
    try {
      await Promise.all([
        ...lockers.map(async (locker) => {
          for (let i = 0; i < 8; i++) {
            const lock = await locker.acquire("shared-name", { timeout: 30_000 });
            await critical();
            await lock.release();
          }
        }),
        ...[0, 1].map(async () => {
          const go = site.go();
          for (let i = 0; i < 8; i++) {
            const uuid = await go.acquire("shared-name");
            await critical();
            await go.release("shared-name", uuid);
          }
        }),
      ]);
      expect(rounds).toBe(32);
      expect(overlaps).toBe(0);
    } finally {
      await Promise.all(lockers.map((l) => l.close()));
    }
  }, 60_000);
});
