import { randomUUID } from "node:crypto";
import type { Json } from "./json-patch.ts";
import { apiVersionOf, type ResourceType } from "./resource-types.ts";

export type KubeObject = { [key: string]: Json } & {
  apiVersion: string;
  kind: string;
  metadata: { [key: string]: Json } & { name: string; namespace?: string; resourceVersion: string };
};

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoredEvent {
  readonly rv: number;
  readonly type: WatchEventType;
  readonly type_: ResourceType;
  readonly namespace: string | undefined;
  readonly object: KubeObject;
}

export interface Watcher {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  deliver(event: StoredEvent): void;
}

/**
 * Objects and their history. resourceVersion is one counter for every write, like etcd's
 * revision; history keeps the last `historyLimit` events so a watch can resume from an older
 * resourceVersion, and answers 410 Gone below that, as apiserver does after etcd compaction.
 */
export class ObjectStore {
  readonly #objects = new Map<string, KubeObject>();
  readonly #history: StoredEvent[] = [];
  readonly #watchers = new Set<Watcher>();
  readonly #historyLimit: number;
  #rv = 1;
  /** Oldest resourceVersion a watch may resume after. */
  #oldest = 1;

  constructor(historyLimit = 10_000) {
    this.#historyLimit = historyLimit;
  }

  get resourceVersion(): number {
    return this.#rv;
  }

  get oldestResumable(): number {
    return this.#oldest;
  }

  static key(type: ResourceType, namespace: string | undefined, name: string): string {
    return `${type.group}/${type.resource}/${namespace ?? ""}/${name}`;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.#objects.get(ObjectStore.key(type, namespace, name));
    return found === undefined ? undefined : structuredClone(found);
  }

  list(type: ResourceType, namespace: string | undefined): KubeObject[] {
    const prefix = `${type.group}/${type.resource}/${namespace ?? ""}/`;
    const out: KubeObject[] = [];
    for (const [key, object] of this.#objects) {
      if (
        namespace === undefined
          ? key.startsWith(`${type.group}/${type.resource}/`)
          : key.startsWith(prefix)
      ) {
        out.push(structuredClone(object));
      }
    }
    return out;
  }

  /** Stores `object` under a new resourceVersion and tells the watchers. */
  write(
    type: ResourceType,
    namespace: string | undefined,
    object: KubeObject,
    kind: WatchEventType,
  ): KubeObject {
    this.#rv += 1;
    const stored: KubeObject = structuredClone(object);
    stored.apiVersion = apiVersionOf(type);
    stored.kind = type.kind;
    stored.metadata.resourceVersion = String(this.#rv);
    if (kind === "ADDED") {
      stored.metadata.uid = randomUUID();
      stored.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    }
    const key = ObjectStore.key(type, namespace, stored.metadata.name);
    if (kind === "DELETED") this.#objects.delete(key);
    else this.#objects.set(key, stored);
    const event: StoredEvent = { rv: this.#rv, type: kind, type_: type, namespace, object: stored };
    this.#history.push(event);
    if (this.#history.length > this.#historyLimit) {
      const dropped = this.#history.shift();
      if (dropped) this.#oldest = dropped.rv;
    }
    for (const watcher of this.#watchers) {
      if (matchesWatcher(watcher, event)) watcher.deliver(event);
    }
    return structuredClone(stored);
  }

  /** Events after `rv` for `watcher`, or undefined when that history is gone (410). */
  eventsAfter(rv: number, watcher: Omit<Watcher, "deliver">): StoredEvent[] | undefined {
    if (rv < this.#oldest) return undefined;
    return this.#history.filter((e) => e.rv > rv && matchesWatcher(watcher, e));
  }

  /** Forgets all history, as an etcd compaction does: older resourceVersions now get 410. */
  compact(): void {
    this.#history.length = 0;
    this.#oldest = this.#rv;
  }

  subscribe(watcher: Watcher): () => void {
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }
}

function matchesWatcher(watcher: Omit<Watcher, "deliver">, event: StoredEvent): boolean {
  return (
    watcher.type === event.type_ &&
    (watcher.namespace === undefined || watcher.namespace === event.namespace) &&
    (watcher.name === undefined || watcher.name === event.object.metadata.name)
  );
}
