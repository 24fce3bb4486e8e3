import { serveDeno } from "./serve-deno.ts";
import { startServer } from "./start-server.ts";

await startServer(serveDeno);
