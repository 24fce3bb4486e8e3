import { serveBun } from "./serve-bun.ts";
import { startServer } from "./start-server.ts";

await startServer(serveBun);
