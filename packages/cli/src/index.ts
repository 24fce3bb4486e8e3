export { CliError } from "./cli-error.ts";
export { type CliIo, processIo } from "./cli-io.ts";
export { EXIT } from "./exit-codes.ts";
export { decodeHandle, encodeHandle } from "./lease-handle.ts";
export { main } from "./main.ts";
export { parseStoreUrl, type StoreTarget } from "./store-url.ts";
