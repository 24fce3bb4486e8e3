import { readFileSync } from "node:fs";

/**
 * This server's version, from its package.json (beside src/ in the repository, beside dist/
 * when installed): on the status page and in /openapi.json.
 */
export const SERVER_VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;
