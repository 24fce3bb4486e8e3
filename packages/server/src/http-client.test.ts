import { HttpLocker } from "@lockgate/http-client";
import type { Runtime } from "@lockgate/process-harness";
import { describeLockerConformance } from "@lockgate/store-conformance/vitest";
import { afterAll, beforeAll, describe } from "vitest";
import { faultyFetch } from "./test-support/faulty-fetch.ts";
import { type ServerProcess, startServerProcess } from "./test-support/server-process.ts";

// One client suite, the same locker semantics every store proves, against the server run as a
// real process on each runtime. Each client connection has its own fetch that the cases can
// slow down or cut off, as they do to a store connection.
const TOKEN = "test-token-0123456789abcdef";

for (const runtime of ["node", "bun", "deno"] as Runtime[]) {
  describe(`lock server on ${runtime}`, () => {
    let server: ServerProcess;
    beforeAll(async () => {
      server = await startServerProcess(runtime, ["--token", TOKEN]);
    }, 30_000);
    afterAll(() => server?.stop());

    describeLockerConformance(`HttpLocker against the ${runtime} server`, {
      leaseTtl: 600,
      openSite: async () => ({
        connect: (options = {}) => {
          const { fetch, faults } = faultyFetch(options.latency);
          const locker = new HttpLocker(server.url, {
            token: TOKEN,
            fetch,
            leaseTtl: options.leaseTtl ?? 600,
          });
          return { locker, faults };
        },
        close: async () => {},
      }),
    });
  });
}
