import type { LockInfo } from "@lockgate/core";

/** One server-sent event of the watch stream: the lock's state as JSON. */
export function stateEvent(info: LockInfo): string {
  return `event: state\ndata: ${JSON.stringify(info)}\n\n`;
}

/** The headers of the watch stream, as Hono's `streamSSE` sends them. */
export const STREAM_HEADERS = {
  "transfer-encoding": "chunked",
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  connection: "keep-alive",
} as const;
