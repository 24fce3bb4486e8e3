import { randomUUID } from "node:crypto";
import { ApiException, CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { lockAnnotationKey } from "@lockgate/store-kubernetes";

/**
 * Go lockgate's Kubernetes locker as its wire format describes it (shared/reference/lockgate-wire.md),
 * re-enacted in TypeScript because no Go toolchain runs here: its own record fields only (unknown
 * fields dropped on write), expiry judged by wall clock against ExpireAtTimestamp, full-object
 * updates carrying the resourceVersion, 409 retried after a pause, "should wait" polled. As Go's
 * optimistic-locking backend: a new exclusive lease has SharedHoldersCount 1, a release takes
 * one off, and at 0 the annotation is deleted (or, with queue members, its lease set to expired).
 */
export interface GoLockgateClientOptions {
  kubeConfig: KubeConfig;
  name: string;
  namespace: string;
  /** Go's defaults: 10 s lease, 2 s between polls, 1 s after a 409. Tests shorten the waits. */
  leaseTtlSeconds?: number;
  pollMs?: number;
  conflictRetryMs?: number;
}

interface GoRecord {
  uuid: string;
  lockName: string;
  ExpireAtTimestamp: number;
  SharedHoldersCount: number;
  IsShared: boolean;
  QueueMembers: Record<string, unknown> | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class GoLockgateClient {
  readonly #core: CoreV1Api;
  readonly #o: Required<Omit<GoLockgateClientOptions, "kubeConfig">>;

  constructor(options: GoLockgateClientOptions) {
    this.#core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.#o = { leaseTtlSeconds: 10, pollMs: 2_000, conflictRetryMs: 1_000, ...options };
  }

  /** One attempt: the handle's uuid, or "should wait". */
  async tryAcquire(lockName: string): Promise<string | "should wait"> {
    const uuid = randomUUID();
    const done = await this.#update(lockName, (current) => {
      if (current && current.ExpireAtTimestamp > Date.now() / 1000) return "should wait";
      return {
        uuid,
        lockName,
        ExpireAtTimestamp: Math.floor(Date.now() / 1000) + this.#o.leaseTtlSeconds,
        SharedHoldersCount: 1,
        IsShared: false,
        QueueMembers: current?.QueueMembers ?? null,
      };
    });
    return done === "should wait" ? done : uuid;
  }

  async acquire(lockName: string): Promise<string> {
    for (;;) {
      const got = await this.tryAcquire(lockName);
      if (got !== "should wait") return got;
      await sleep(this.#o.pollMs);
    }
  }

  async renew(lockName: string, uuid: string): Promise<void> {
    const done = await this.#update(lockName, (current) => {
      if (!current) return "no existing lock lease found";
      if (current.uuid !== uuid) return "lock already leased";
      return {
        ...current,
        ExpireAtTimestamp: Math.floor(Date.now() / 1000) + this.#o.leaseTtlSeconds,
      };
    });
    if (typeof done === "string") throw new Error(done);
  }

  async release(lockName: string, uuid: string): Promise<void> {
    const done = await this.#update(lockName, (current) => {
      if (!current) return "no existing lock lease found";
      if (current.uuid !== uuid) return "lock already leased";
      const holders = current.SharedHoldersCount - 1;
      if (holders > 0) return { ...current, SharedHoldersCount: holders };
      const queue = current.QueueMembers ?? {};
      return Object.keys(queue).length === 0
        ? null
        : { ...current, SharedHoldersCount: 0, ExpireAtTimestamp: 0 };
    });
    if (typeof done === "string") throw new Error(done);
  }

  /** Read, change, and write the whole object back with its resourceVersion; 409: pause and redo. */
  async #update(
    lockName: string,
    change: (current: GoRecord | undefined) => GoRecord | null | string,
  ): Promise<true | string> {
    const key = lockAnnotationKey(lockName);
    for (;;) {
      const object = await this.#core.readNamespacedConfigMap({
        name: this.#o.name,
        namespace: this.#o.namespace,
      });
      const annotations = { ...(object.metadata?.annotations ?? {}) };
      const text = annotations[key];
      const current = text === undefined ? undefined : pickGoFields(JSON.parse(text));
      const next = change(current);
      if (typeof next === "string") return next;
      if (next === null) delete annotations[key];
      else annotations[key] = JSON.stringify(next);
      object.metadata = { ...object.metadata, annotations };
      try {
        await this.#core.replaceNamespacedConfigMap({
          name: this.#o.name,
          namespace: this.#o.namespace,
          body: object,
        });
        return true;
      } catch (error) {
        if (error instanceof ApiException && error.code === 409) {
          await sleep(this.#o.conflictRetryMs);
          continue;
        }
        throw error;
      }
    }
  }
}

/** Go decodes into its struct: fields it does not know are gone when it writes the record back. */
function pickGoFields(parsed: Record<string, unknown>): GoRecord {
  return {
    uuid: String(parsed.uuid ?? ""),
    lockName: String(parsed.lockName ?? ""),
    ExpireAtTimestamp: Number(parsed.ExpireAtTimestamp ?? 0),
    SharedHoldersCount: Number(parsed.SharedHoldersCount ?? 0),
    IsShared: parsed.IsShared === true,
    QueueMembers: (parsed.QueueMembers as Record<string, unknown> | null) ?? null,
  };
}
