import { defineProject } from "vitest/config";

export default defineProject({
  ssr: { resolve: { conditions: ["@lockgate/source"] } },
  resolve: { conditions: ["@lockgate/source"] },
  test: { name: "example-lock-server", include: ["src/**/*.test.ts"] },
});
