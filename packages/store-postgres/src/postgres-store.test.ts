import { PostgresServer } from "@lockgate/process-harness";
import { describeStoreConformance } from "@lockgate/store-conformance/vitest";
import { afterAll, beforeAll } from "vitest";
import { PostgresStore } from "./postgres-store.ts";

const postgres = new PostgresServer();
beforeAll(() => postgres.start(), 60_000);
afterAll(() => postgres.stop());

let run = 0;
describeStoreConformance("PostgresStore on a real PostgreSQL", {
  // One server and table; each case gets keys of its own under a fresh prefix.
  createStore: () =>
    new PostgresStore({ connection: postgres.connection, prefix: `conformance/${++run}/` }),
  capabilities: { watch: "latest", list: true },
});
