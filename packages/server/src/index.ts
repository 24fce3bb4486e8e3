export { type AppOptions, createApp, type LockServerApp } from "./create-app.ts";
export { createBackend } from "./create-backend.ts";
export type { NodeRoutes } from "./node-routes.ts";
export {
  ConfigError,
  parseServerConfig,
  type ServerConfig,
  type StoreConfig,
} from "./server-config.ts";
