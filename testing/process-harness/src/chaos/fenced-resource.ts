import { appendFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A storage service as careful as fencing needs: it refuses a write whose token is lower than
 * one it already accepted. Each decision is appended to the chaos log, so it is ordered with
 * the workers' enter and leave lines.
 */
export interface FencedResource {
  readonly url: string;
  readonly accepted: number;
  readonly rejected: number;
  close(): Promise<void>;
}

export async function startFencedResource(logFile: string): Promise<FencedResource> {
  let highest = Number.NEGATIVE_INFINITY;
  let accepted = 0;
  let rejected = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://resource");
    const token = Number(url.searchParams.get("token"));
    const pid = url.searchParams.get("pid") ?? "?";
    const ok = Number.isFinite(token) && token >= highest;
    if (ok) {
      highest = token;
      accepted++;
    } else rejected++;
    appendFileSync(logFile, `write ${pid} ${token} ${ok ? "ok" : "rejected"}\n`);
    res.writeHead(ok ? 200 : 409).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get accepted() {
      return accepted;
    },
    get rejected() {
      return rejected;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
