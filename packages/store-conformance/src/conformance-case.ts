import type { LockStore, StoreCapabilities } from "@lockgate/core";

/** One executable clause of the contract: a plain async function that throws on failure. */
export interface ConformanceCase {
  readonly name: string;
  /** Why the case does not apply to this store (a capability it does not declare). */
  readonly skip?: string;
  readonly run: () => Promise<void>;
}

export interface StoreFactoryOptions {
  /** The store's declared capabilities, used to skip cases it does not claim. */
  capabilities?: StoreCapabilities;
  /** A fresh, empty store for each case (or an existing one with a fresh key prefix). */
  createStore: () => LockStore | Promise<LockStore>;
  /** Called after each case with the store it used; closes it by default. */
  destroyStore?: (store: LockStore) => void | Promise<void>;
}

/** Runs `fn` with a fresh store and always disposes of it. */
export async function withStore<T>(
  options: StoreFactoryOptions,
  fn: (store: LockStore) => Promise<T>,
): Promise<T> {
  const store = await options.createStore();
  try {
    return await fn(store);
  } finally {
    await (options.destroyStore ? options.destroyStore(store) : store.close?.());
  }
}

/** The reason to skip when `capabilities` lacks `need`, or undefined. */
export function missing(
  capabilities: StoreCapabilities | undefined,
  need: "watch" | "every-change" | "list",
): string | undefined {
  if (!capabilities) return undefined;
  if (need === "list") return capabilities.list ? undefined : "the store does not declare list";
  if (need === "watch") return capabilities.watch ? undefined : "the store does not declare watch";
  return capabilities.watch === "every-change"
    ? undefined
    : 'the store\'s watch may coalesce changes (watch: "latest")';
}

/** A case, skipped with `skip` as the reason when given. */
export function conformanceCase(
  name: string,
  run: () => Promise<void>,
  skip?: string,
): ConformanceCase {
  return skip === undefined ? { name, run } : { name, run, skip };
}
