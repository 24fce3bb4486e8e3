import { Watch } from "@kubernetes/client-node";
import { isLockgateError, LockgateError } from "@lockgate/core";
import type { Annotations } from "./annotation-record.ts";
import { apiError } from "./api-errors.ts";
import type { KubernetesApi } from "./kubernetes-api.ts";
import type { ResolvedObject } from "./object-reference.ts";

export interface ObjectListener {
  next(annotations: Annotations): void;
  error(error: unknown): void;
}

interface KubeObjectLike {
  readonly metadata?: {
    readonly resourceVersion?: string;
    readonly annotations?: Record<string, string> | null;
  };
  readonly code?: number;
  readonly message?: string;
}

class WatchExpired extends Error {}

const RECONNECT = { first: 100, cap: 5_000 } as const;

/**
 * One watch of the lock object per store, shared by every key: annotations of one object are
 * all that changes. It starts from the resourceVersion of a read, follows bookmarks, resumes
 * from the last resourceVersion after the stream ends, re-reads on 410 Gone, and polls every
 * `resyncInterval` ms, because client-node watches are known to stop without a word: a poll that
 * finds a change the watch did not deliver restarts the watch.
 */
export class ObjectWatch {
  readonly #api: KubernetesApi;
  readonly #object: () => Promise<ResolvedObject>;
  readonly #resyncInterval: number;
  readonly #onError: (error: unknown) => void;
  readonly #listeners = new Set<ObjectListener>();
  #latest: Annotations | undefined;
  #rv: string | undefined;
  #run: AbortController | undefined;
  #stream: AbortController | undefined;
  /** Watch deliveries so far: a poll answered while one arrived may be older, and is dropped. */
  #delivered = 0;

  constructor(
    api: KubernetesApi,
    object: () => Promise<ResolvedObject>,
    resyncInterval: number,
    onError: (error: unknown) => void,
  ) {
    this.#api = api;
    this.#object = object;
    this.#resyncInterval = resyncInterval;
    this.#onError = onError;
  }

  /** Adds a listener; it first gets the latest annotations (once known), then every change. */
  subscribe(listener: ObjectListener): () => void {
    this.#listeners.add(listener);
    if (this.#latest !== undefined) listener.next(this.#latest);
    if (!this.#run) {
      const run = new AbortController();
      this.#run = run;
      void this.#loop(run.signal);
      void this.#poll(run.signal);
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    this.#run?.abort();
    this.#stream?.abort();
    this.#run = undefined;
    this.#latest = undefined;
    this.#rv = undefined;
  }

  #publish(annotations: Annotations): void {
    this.#latest = annotations;
    for (const listener of [...this.#listeners]) listener.next(annotations);
  }

  #fail(error: unknown): void {
    for (const listener of [...this.#listeners]) listener.error(error);
    this.#listeners.clear();
    this.stop();
  }

  async #read(signal: AbortSignal): Promise<{ annotations: Annotations; rv: string }> {
    const object = await this.#object();
    const response = await this.#api.request({ method: "GET", path: object.path, signal });
    if (response.status !== 200) throw apiError(response, object, "get the lock object");
    const metadata = (response.body as KubeObjectLike).metadata;
    return { annotations: metadata?.annotations ?? {}, rv: metadata?.resourceVersion ?? "" };
  }

  async #loop(signal: AbortSignal): Promise<void> {
    let wait: number = RECONNECT.first;
    while (!signal.aborted) {
      try {
        if (this.#rv === undefined) {
          const { annotations, rv } = await this.#read(signal);
          this.#rv = rv;
          this.#publish(annotations);
        }
        await this.#follow(signal);
        wait = RECONNECT.first;
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof WatchExpired) {
          this.#rv = undefined; // 410 Gone: read again, then watch from there.
          continue;
        }
        if (isLockgateError(error) && !error.retryable) return this.#fail(error);
        this.#onError(error);
        await sleep(wait * (0.5 + Math.random() / 2), signal);
        wait = Math.min(wait * 2, RECONNECT.cap);
      }
    }
  }

  /** Streams events until the server ends the watch (resolves) or it fails (rejects). */
  async #follow(signal: AbortSignal): Promise<void> {
    const object = await this.#object();
    const stream = new AbortController();
    this.#stream = stream;
    const stopStream = () => stream.abort();
    signal.addEventListener("abort", stopStream, { once: true });
    try {
      await new Promise<void>((resolve, reject) => {
        let failure: unknown;
        const watch = new Watch(this.#api.kubeConfig);
        watch
          .watch(
            object.collectionPath,
            {
              fieldSelector: `metadata.name=${object.name}`,
              resourceVersion: this.#rv,
              allowWatchBookmarks: true,
              timeoutSeconds: 300,
            },
            (type: string, obj: KubeObjectLike) => {
              if (type === "ERROR") {
                failure =
                  obj.code === 410
                    ? new WatchExpired(obj.message)
                    : new LockgateError(
                        "store-unavailable",
                        `The watch of ${object.description} failed: ${obj.message ?? "error event"}`,
                      );
                stream.abort();
                return;
              }
              const rv = obj.metadata?.resourceVersion;
              if (rv !== undefined) this.#rv = rv;
              if (type === "BOOKMARK") return;
              this.#delivered += 1;
              this.#publish(type === "DELETED" ? {} : (obj.metadata?.annotations ?? {}));
            },
            (error: unknown) => {
              if (failure !== undefined) reject(failure);
              else if (error && !stream.signal.aborted) {
                const status = (error as { statusCode?: number }).statusCode;
                reject(
                  status
                    ? apiError(
                        { status, body: String((error as Error).message) },
                        object,
                        "watch the lock object",
                      )
                    : error,
                );
              } else resolve();
            },
          )
          .then((controller) => {
            if (stream.signal.aborted) controller.abort();
            else stream.signal.addEventListener("abort", () => controller.abort(), { once: true });
          }, reject);
      });
    } finally {
      signal.removeEventListener("abort", stopStream);
      if (this.#stream === stream) this.#stream = undefined;
    }
  }

  async #poll(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(this.#resyncInterval, signal);
      if (signal.aborted || this.#rv === undefined) continue;
      const before = this.#delivered;
      try {
        const { annotations, rv } = await this.#read(signal);
        if (signal.aborted || this.#delivered !== before || rv === this.#rv) continue;
        // The object changed and the watch said nothing: trust the read, restart the watch.
        this.#onError(new Error(`watch missed a change (at ${rv}); restarting it`));
        this.#rv = rv;
        this.#publish(annotations);
        this.#stream?.abort();
      } catch (error) {
        if (!signal.aborted) this.#onError(error);
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
