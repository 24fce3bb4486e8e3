import { describeStoreConformance } from "@lockgate/store-conformance/vitest";
import { EventTargetStore } from "./event-target-store.ts";

describeStoreConformance("EventTargetStore", {
  createStore: () => new EventTargetStore(),
  capabilities: new EventTargetStore().capabilities,
});
