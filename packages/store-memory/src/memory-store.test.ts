import { describeStoreConformance } from "@lockgate/store-conformance/vitest";
import { MemoryStore } from "./memory-store.ts";

describeStoreConformance("MemoryStore", {
  createStore: () => new MemoryStore(),
  capabilities: new MemoryStore().capabilities,
});
