import { EtcdServer } from "@lockgate/process-harness";
import { describeStoreConformance } from "@lockgate/store-conformance/vitest";
import { afterAll, beforeAll } from "vitest";
import { EtcdStore } from "./etcd-store.ts";

const etcd = new EtcdServer();
beforeAll(() => etcd.start(), 30_000);
afterAll(() => etcd.stop());

let run = 0;
describeStoreConformance("EtcdStore on a real etcd", {
  // One server; each case gets keys of its own under a fresh prefix.
  createStore: () => new EtcdStore({ hosts: etcd.endpoint, prefix: `conformance/${++run}/` }),
  capabilities: { watch: "every-change", list: true },
});
