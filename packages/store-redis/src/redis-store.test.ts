import { RedisServer } from "@lockgate/process-harness";
import { describeStoreConformance } from "@lockgate/store-conformance/vitest";
import { afterAll, beforeAll } from "vitest";
import { RedisStore } from "./redis-store.ts";

const redis = new RedisServer();
beforeAll(() => redis.start(), 30_000);
afterAll(() => redis.stop());

let run = 0;
describeStoreConformance("RedisStore on a real redis-server", {
  // One server; each case gets keys of its own under a fresh prefix.
  createStore: () => new RedisStore({ url: redis.url, prefix: `conformance:${++run}:` }),
  capabilities: { watch: "latest", list: true },
});
