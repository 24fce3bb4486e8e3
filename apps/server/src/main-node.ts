import { serveNode } from "./serve-node.ts";
import { startServer } from "./start-server.ts";

await startServer(serveNode);
