import { LockgateError } from "@lockgate/core";
import { storeConformanceCases } from "@lockgate/store-conformance";

// A tiny store written in the smoke project itself, proven by the published cases.
class MapStore {
  capabilities = { watch: false, list: true };
  #values = new Map();
  #version = 0;
  async get(key) {
    return this.#values.get(key) ?? { value: null, version: null };
  }
  async put(key, value, expected) {
    if ((this.#values.get(key)?.version ?? null) !== expected)
      throw new LockgateError("conflict", "stale");
    if (value === null) {
      this.#values.delete(key);
      return null;
    }
    const version = String(++this.#version);
    this.#values.set(key, { value, version });
    return version;
  }
  async list(prefix) {
    return [...this.#values.keys()].filter((k) => k.startsWith(prefix));
  }
}
const cases = storeConformanceCases({
  createStore: () => new MapStore(),
  capabilities: new MapStore().capabilities,
});
let ran = 0;
for (const c of cases) {
  if (c.skip) continue;
  await c.run();
  ran++;
}
if (ran < 8) throw new Error(`only ${ran} cases ran`);
console.log(`store-conformance ok (${ran} cases)`);
