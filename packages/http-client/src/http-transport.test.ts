import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { nodeTransport } from "./http-transport.ts";

// The node:http transport HttpLeaseBackend uses on Node, against a real node:http server.

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

async function serve(
  handle: (req: IncomingMessage, body: string, socket: Socket, nth: number) => string | null,
): Promise<string> {
  let nth = 0;
  const created = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const answer = handle(req, body, req.socket, ++nth);
      if (answer === null) return;
      res.writeHead(200, { "content-type": "application/json" }).end(answer);
    });
  });
  server = created;
  await new Promise<void>((resolve) => created.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(created.address() as AddressInfo).port}`;
}

describe("nodeTransport", () => {
  it("sends the method, headers and body, and reads the status and the whole answer", async () => {
    const seen: string[] = [];
    const url = await serve((req, body) => {
      seen.push(
        `${req.method} ${req.url} ${req.headers["content-length"]} ${req.headers.authorization} ${body}`,
      );
      return JSON.stringify({ echoed: body, long: "é".repeat(40_000) });
    });
    const transport = nodeTransport();
    expect(transport).toBeDefined();
    const answer = await transport?.send(`${url}/v1/acquire`, {
      method: "POST",
      headers: { authorization: "Bearer t", "content-type": "application/json" },
      body: '{"name":"é"}',
      signal: new AbortController().signal,
    });
    expect(answer?.status).toBe(200);
    expect(JSON.parse(answer?.text ?? "")).toEqual({
      echoed: '{"name":"é"}',
      long: "é".repeat(40_000),
    });
    expect(seen).toEqual(['POST /v1/acquire 13 Bearer t {"name":"é"}']);
    transport?.close();
  });

  it("a kept-alive connection the server resets as it is reused is tried once more, on a new one", async () => {
    const sockets = new Set<Socket>();
    const url = await serve((_req, _body, socket, nth) => {
      sockets.add(socket);
      if (nth === 2) {
        socket.destroy(); // the second request arrives on the first one's connection
        return null;
      }
      return `{"n":${nth}}`;
    });
    const transport = nodeTransport();
    const send = () =>
      transport?.send(`${url}/v1/renew`, {
        method: "POST",
        headers: {},
        body: "{}",
        signal: new AbortController().signal,
      });
    expect((await send())?.text).toBe('{"n":1}');
    expect((await send())?.text).toBe('{"n":3}');
    expect(sockets.size).toBe(2);
    transport?.close();
  });

  it("an aborted request rejects at once", async () => {
    const url = await serve(() => null); // never answers
    const transport = nodeTransport();
    const controller = new AbortController();
    const sent = transport?.send(`${url}/v1/acquire`, {
      method: "POST",
      headers: {},
      body: "{}",
      signal: controller.signal,
    });
    controller.abort();
    await expect(sent).rejects.toThrow(/abort/i);
    transport?.close();
  });
});
