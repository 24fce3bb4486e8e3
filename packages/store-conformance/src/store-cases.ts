import assert from "node:assert/strict";
import { isLockgateError, type LockStore, type StoreRecord } from "@lockgate/core";
import {
  type ConformanceCase,
  conformanceCase,
  missing,
  type StoreFactoryOptions,
  withStore,
} from "./conformance-case.ts";

export interface StoreConformanceOptions extends StoreFactoryOptions {
  /** Size of the "large value" case in characters. Default 64 KiB. */
  largeValueSize?: number;
  /** Concurrent writers racing on one version. Default 16. */
  racers?: number;
  /** How long to wait for a watch notification before failing, in ms. Default 5 000. */
  watchTimeout?: number;
}

/**
 * The record of an absent key: null value and version, and at most a `floor` that is a
 * non-negative safe integer (stores that can lose records give one; see StoreRecord.floor).
 */
function assertAbsent(record: StoreRecord | undefined, what: string): void {
  assert.ok(record, `${what}: no record`);
  const { floor, ...rest } = record;
  assert.deepEqual(rest, { value: null, version: null }, what);
  if (floor !== undefined) {
    assert.ok(
      Number.isSafeInteger(floor) && floor >= 0,
      `${what}: floor must be a non-negative safe integer, got ${String(floor)}`,
    );
  }
}

async function expectConflict(promise: Promise<unknown>, what: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(
      isLockgateError(error, "conflict"),
      `${what}: expected a LockgateError with code "conflict", got ${String(error)}`,
    );
    assert.equal(error.retryable, true, `${what}: a conflict must be retryable`);
    return true;
  });
}

/** Pulls items from a watch with a deadline, so a silent watch fails the case instead of hanging. */
class WatchReader {
  readonly #iterator: AsyncIterator<StoreRecord>;
  readonly #timeout: number;

  constructor(iterable: AsyncIterable<StoreRecord>, timeout: number) {
    this.#iterator = iterable[Symbol.asyncIterator]();
    this.#timeout = timeout;
  }

  async next(what: string): Promise<IteratorResult<StoreRecord>> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`watch gave nothing within ${this.#timeout} ms: ${what}`)),
        this.#timeout,
      );
    });
    try {
      return await Promise.race([this.#iterator.next(), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Reads until a record with `version` arrives; returns every record read on the way. */
  async until(version: string | null, what: string): Promise<StoreRecord[]> {
    const seen: StoreRecord[] = [];
    for (;;) {
      const item = await this.next(what);
      assert.equal(item.done, false, `watch ended early: ${what}`);
      seen.push(item.value);
      if (item.value.version === version) return seen;
    }
  }
}

/** The store half of the contract, as plain cases for any test runner. */
export function storeConformanceCases(options: StoreConformanceOptions): ConformanceCase[] {
  const caps = options.capabilities;
  const watchTimeout = options.watchTimeout ?? 5_000;
  const use =
    <T>(fn: (store: LockStore) => Promise<T>) =>
    () =>
      withStore(options, fn).then(() => {});
  const c = conformanceCase;

  return [
    c(
      "get of an absent key gives null value and null version",
      use(async (store) => {
        assertAbsent(await store.get("absent"), "get of an absent key");
      }),
    ),
    c(
      "create-if-absent: put with expected null creates once, then conflicts",
      use(async (store) => {
        const version = await store.put("k", "one", null);
        assert.equal(typeof version, "string", "put must return the new version as a string");
        assert.deepEqual(await store.get("k"), { value: "one", version });
        await expectConflict(store.put("k", "two", null), "second create of the same key");
        assert.equal(
          (await store.get("k")).value,
          "one",
          "a conflicting write must not change the value",
        );
      }),
    ),
    c(
      "a conflict that tells what the store holds (error.current) tells the truth",
      use(async (store) => {
        const v1 = await store.put("k", "one", null);
        const v2 = await store.put("k", "two", v1);
        for (const [value, expected] of [
          ["stale", v1],
          ["create", null],
        ] as const) {
          const error = await store.put("k", value, expected).then(
            () => undefined,
            (e: unknown) => e,
          );
          assert.ok(
            isLockgateError(error, "conflict"),
            `expected a conflict, got ${String(error)}`,
          );
          // Optional; when given, it must be what the store holds (nobody wrote since).
          if (error.current !== undefined)
            assert.deepEqual(error.current, { value: "two", version: v2 }, "error.current");
        }
      }),
    ),
    c(
      "update with the current version succeeds and changes the version",
      use(async (store) => {
        const v1 = await store.put("k", "one", null);
        const v2 = await store.put("k", "two", v1);
        assert.notEqual(v2, v1, "every write must change the version");
        const v3 = await store.put("k", "two", v2);
        assert.notEqual(v3, v2, "rewriting the same value must still change the version");
        assert.deepEqual(await store.get("k"), { value: "two", version: v3 });
      }),
    ),
    c(
      "stale-version write is rejected with the conflict code and changes nothing",
      use(async (store) => {
        const v1 = await store.put("k", "one", null);
        const v2 = await store.put("k", "two", v1);
        await expectConflict(store.put("k", "three", v1), "write with a stale version");
        await expectConflict(
          store.put("k", "three", "no-such-version"),
          "write with an unknown version",
        );
        assert.deepEqual(await store.get("k"), { value: "two", version: v2 });
      }),
    ),
    c(
      "N concurrent writers of one version: exactly one wins",
      use(async (store) => {
        const racers = options.racers ?? 16;
        const base = await store.put("race", "start", null);
        const results = await Promise.allSettled(
          Array.from({ length: racers }, (_, i) => store.put("race", `writer-${i}`, base)),
        );
        const winners = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
        assert.equal(
          winners.length,
          1,
          `exactly one of ${racers} writers must win, ${winners.length} did`,
        );
        for (const r of results) {
          if (r.status === "rejected") {
            assert.ok(
              isLockgateError(r.reason, "conflict"),
              `losers must get "conflict", got ${String(r.reason)}`,
            );
          }
        }
        const final = await store.get("race");
        assert.equal(final.value, `writer-${winners[0]}`);
      }),
    ),
    c(
      "N concurrent creators of an absent key: exactly one wins",
      use(async (store) => {
        const racers = options.racers ?? 16;
        const results = await Promise.allSettled(
          Array.from({ length: racers }, (_, i) => store.put("fresh", `creator-${i}`, null)),
        );
        assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
      }),
    ),
    c(
      "delete with the current version removes the key; a stale delete conflicts",
      use(async (store) => {
        const v1 = await store.put("k", "one", null);
        const v2 = await store.put("k", "two", v1);
        await expectConflict(store.put("k", null, v1), "delete with a stale version");
        assert.equal(await store.put("k", null, v2), null, "a delete resolves to null");
        assertAbsent(await store.get("k"), "get after a delete");
        await expectConflict(store.put("k", null, v2), "delete of an already deleted key");
        const v3 = await store.put("k", "again", null);
        assert.equal((await store.get("k")).value, "again");
        assert.equal(typeof v3, "string");
      }),
    ),
    c(
      "keys are independent: writing one never changes another's version",
      use(async (store) => {
        const a = await store.put("a", "1", null);
        await store.put("b", "1", null);
        const b = (await store.get("b")).version;
        await store.put("b", "2", b);
        assert.equal((await store.get("a")).version, a);
        await store.put("a", "2", a);
      }),
    ),
    c(
      "large values survive unchanged",
      use(async (store) => {
        const size = options.largeValueSize ?? 64 * 1024;
        const value = JSON.stringify({ blob: "x".repeat(size - 20) });
        const v = await store.put("big", value, null);
        const got = await store.get("big");
        assert.equal(got.value?.length, value.length);
        assert.equal(got.value, value);
        assert.equal(got.version, v);
      }),
    ),
    c(
      "unicode, punctuation and long keys and values are kept exactly",
      use(async (store) => {
        const keys = [
          "deploy/prod",
          "ключ с пробелами",
          "emoji 🔒🗝️",
          "../../etc/passwd",
          "a:b;c=d&e?f#g%20h",
          "k".repeat(1024),
        ];
        for (const [i, key] of keys.entries()) {
          const value = `{"n":${i},"s":"zażółć gęślą jaźń 🔐 \\u0000 \\n"}`;
          await store.put(key, value, null);
          assert.equal((await store.get(key)).value, value, `value of key #${i}`);
        }
        for (const key of keys) assert.notEqual((await store.get(key)).version, null);
      }),
    ),
    c(
      "watch: the first item is the state at the time of the call, then every change in order",
      use(async (store) => {
        const controller = new AbortController();
        const v0 = await store.put("w", "v0", null);
        const reader = new WatchReader(
          (store.watch as NonNullable<LockStore["watch"]>).call(store, "w", controller.signal),
          watchTimeout,
        );
        const first = await reader.next("initial state");
        assert.deepEqual(first.value, { value: "v0", version: v0 });
        const versions: (string | null)[] = [];
        let version: string | null = v0;
        for (let i = 1; i <= 20; i++) {
          version = await store.put("w", `v${i}`, version);
          versions.push(version);
        }
        const seen = await reader.until(version, "20 sequential writes");
        assert.deepEqual(
          seen.map((r) => r.version),
          versions,
          "every version must be delivered once, in order",
        );
        assert.deepEqual(
          seen.map((r) => r.value),
          versions.map((_, i) => `v${i + 1}`),
        );
        await store.put("w", null, version);
        const deleted = await reader.next("delete");
        assertAbsent(deleted.value, "watch after a delete");
        controller.abort();
      }),
      missing(caps, "every-change"),
    ),
    c(
      "watch: a write right after the call is never missed, and the latest state always arrives",
      use(async (store) => {
        const controller = new AbortController();
        const reader = new WatchReader(
          (store.watch as NonNullable<LockStore["watch"]>).call(store, "w2", controller.signal),
          watchTimeout,
        );
        // No await between the call and the writes: the watch must already be live.
        let version = await store.put("w2", "a", null);
        version = await store.put("w2", "b", version);
        const seen = await reader.until(version, "latest state after two writes");
        const last = seen.at(-1);
        assert.equal(last?.value, "b");
        const first = seen[0];
        assert.ok(first?.value === null || first?.value === "a" || first?.value === "b");
        controller.abort();
      }),
      missing(caps, "watch"),
    ),
    c(
      "watch: aborting the signal ends the iteration",
      use(async (store) => {
        const controller = new AbortController();
        const reader = new WatchReader(
          (store.watch as NonNullable<LockStore["watch"]>).call(store, "w3", controller.signal),
          watchTimeout,
        );
        await reader.next("initial state");
        controller.abort();
        for (;;) {
          const item = await reader.next("end after abort");
          if (item.done) break;
        }
      }),
      missing(caps, "watch"),
    ),
    c(
      "list returns exactly the keys with the prefix",
      use(async (store) => {
        for (const key of ["locks/a", "locks/b", "locks/c/d", "other/a", "locksmith"]) {
          await store.put(key, "x", null);
        }
        const deleted = await store.put("locks/gone", "x", null);
        await store.put("locks/gone", null, deleted);
        const listed = await (store.list as NonNullable<LockStore["list"]>).call(store, "locks/");
        assert.deepEqual([...listed].sort(), ["locks/a", "locks/b", "locks/c/d"]);
        const all = await (store.list as NonNullable<LockStore["list"]>).call(store, "");
        assert.ok(all.includes("other/a") && all.includes("locksmith"));
      }),
      missing(caps, "list"),
    ),
    c("close is idempotent and ends active watches", async () => {
      const store = await options.createStore();
      const controller = new AbortController();
      let reader: WatchReader | undefined;
      if (store.watch && caps?.watch !== false) {
        reader = new WatchReader(store.watch("c", controller.signal), watchTimeout);
        await reader.next("initial state");
      }
      await (options.destroyStore ? options.destroyStore(store) : store.close?.());
      await store.close?.();
      if (reader) {
        for (;;) {
          let item: IteratorResult<StoreRecord>;
          try {
            item = await reader.next("end after close");
          } catch (error) {
            if (error instanceof Error && error.message.startsWith("watch gave nothing"))
              throw error;
            break; // ending with an error is allowed
          }
          if (item.done) break;
        }
      }
      controller.abort();
    }),
  ];
}
