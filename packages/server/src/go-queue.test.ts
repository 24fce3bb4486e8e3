import { HttpLocker } from "@lockgate/http-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "./test-support/server-process.ts";

// werf's Go client re-enacted: POST /acquire, "should wait", sleep 2 s, ask again; a token in
// the URL becomes Basic auth. Against it, /v1 clients that loop (hold 50 ms) as fast as they can.
const TOKEN = "go-queue-token-0123456789abcdef";
const GO_POLL_MS = 2_000;
let server: ServerProcess;
beforeAll(async () => {
  server = await startServerProcess("node", ["--token", TOKEN]);
}, 30_000);
afterAll(() => server?.stop());

async function goCall(path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { authorization: `Basic ${btoa(`${TOKEN}:`)}` },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

/** `loopers` /v1 clients take `name` again and again until `stop`; every grant is logged. */
function loop(name: string, loopers: number, log: { at: number; who: string }[]) {
  let stopped = false;
  let inside = 0;
  const clients = Array.from(
    { length: loopers },
    () => new HttpLocker(server.url, { token: TOKEN }),
  );
  const done = Promise.all(
    clients.map(async (client, i) => {
      while (!stopped) {
        const lock = await client.acquire(name, { timeout: 30_000 });
        if (++inside > 1) throw new Error("two holders at once");
        log.push({ at: performance.now(), who: `v1-${i}` });
        await new Promise((resolve) => setTimeout(resolve, 50));
        inside--;
        await lock.release();
      }
      await client.close();
    }),
  );
  return {
    get inside() {
      return inside;
    },
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

/** Polls as Go's client does until granted; returns the uuid and the time of every poll. */
async function goAcquire(name: string, acquirerId: string) {
  const polls: number[] = [];
  for (;;) {
    polls.push(performance.now());
    const reply = await goCall("/acquire", { lockName: name, opts: { shared: false, acquirerId } });
    if (reply.err === "") {
      const handle = reply.lockHandle as { uuid: string; lockName: string };
      return { handle, polls, grantedAt: performance.now() };
    }
    expect(reply.err).toBe("should wait");
    if (polls.length > 10) throw new Error("the Go client starved");
    await new Promise((resolve) => setTimeout(resolve, GO_POLL_MS));
  }
}

describe("Go lockgate clients wait in the same FIFO queue as /v1 clients", () => {
  it.each([
    ["with an AcquirerId: its first poll takes a place", "werf-runner-7", 1],
    ["without one: its second poll, within one interval of the first, takes a place", "", 2],
  ])(
    "%s, and it is served at the next poll after its turn",
    async (_, acquirerId, joinsAt) => {
      const name = `go-fifo-${acquirerId || "anonymous"}`;
      const log: { at: number; who: string }[] = [];
      const loopers = loop(name, 3, log);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const { handle, polls } = await goAcquire(name, acquirerId);
      // While the Go client holds, no /v1 client does.
      expect(loopers.inside).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(loopers.inside).toBe(0);
      expect(await goCall("/renew-lease", { lockHandle: handle })).toEqual({ err: "" });
      expect(await goCall("/release", { lockHandle: handle })).toEqual({ err: "" });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await loopers.stop();

      const joined = polls[joinsAt - 1] as number;
      // Granted at the first poll after joining: the three ahead of it took ~150 ms in all.
      expect(polls).toHaveLength(joinsAt + 1);
      const passedIt = log.filter((g) => g.at > joined && g.at < (polls.at(-1) as number));
      expect(passedIt.length).toBeLessThanOrEqual(3);
      // And the loopers were served before and after it: the test did contend.
      expect(log.filter((g) => g.at < joined).length).toBeGreaterThan(3);
      expect(log.filter((g) => g.at > (polls.at(-1) as number)).length).toBeGreaterThan(0);
    },
    60_000,
  );

  it("an anonymous Go client's single try leaves no queue place behind", async () => {
    const holder = new HttpLocker(server.url, { token: TOKEN });
    const held = await holder.acquire("go-try-once");
    const reply = await goCall("/acquire", {
      lockName: "go-try-once",
      opts: { shared: false, acquirerId: "" },
    });
    expect(reply.err).toBe("should wait");
    expect((await holder.inspect("go-try-once")).waiters).toHaveLength(0);
    await held.release();
    expect((await holder.inspect("go-try-once")).holders).toHaveLength(0);
    await holder.close();
  });

  it("a Go client with an AcquirerId is listed in the queue with it, before later /v1 arrivals", async () => {
    const holder = new HttpLocker(server.url, { token: TOKEN });
    const later = new HttpLocker(server.url, { token: TOKEN });
    const held = await holder.acquire("go-listed");
    await goCall("/acquire", {
      lockName: "go-listed",
      opts: { shared: false, acquirerId: "ci-42" },
    });
    const waiting = later.acquire("go-listed", { timeout: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { waiters } = await holder.inspect("go-listed");
    expect(waiters.map((w) => w.acquirerId)).toEqual(["ci-42", undefined]);
    await held.release();
    // Kept for the Go client: the /v1 waiter behind it is not served before it polls.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const info = await holder.inspect("go-listed");
    expect(info.holders.map((h) => h.acquirerId)).toEqual(["ci-42"]);
    const reply = await goCall("/acquire", {
      lockName: "go-listed",
      opts: { shared: false, acquirerId: "ci-42" },
    });
    expect(reply.err).toBe("");
    expect(await goCall("/release", { lockHandle: reply.lockHandle })).toEqual({ err: "" });
    await (await waiting).release();
    await Promise.all([holder.close(), later.close()]);
  });
});
