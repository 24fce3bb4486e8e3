import { defineProject } from "vitest/config";

export default defineProject({
  ssr: { resolve: { conditions: ["@lockgate/source"] } },
  resolve: { conditions: ["@lockgate/source"] },
  test: { name: "example-cli-deploy-job", include: ["src/**/*.test.ts"] },
});
