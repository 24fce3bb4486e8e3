import manifest from "../package.json" with { type: "json" };

/** This server's version, from its package.json: on the status page and in /openapi.json. */
export const SERVER_VERSION: string = manifest.version;
