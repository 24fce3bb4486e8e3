import type { Runtime } from "@lockgate/process-harness";
import { describe, expect, it } from "vitest";
import { startServerProcess } from "./test-support/server-process.ts";

describe.each(["node", "bun", "deno"] as Runtime[])("the server process on %s", (runtime) => {
  it("shuts down on SIGTERM: a waiting long-poll is told to come back, the process exits 0", async () => {
    const server = await startServerProcess(runtime, ["--no-auth"]);
    const post = (body: unknown) =>
      fetch(`${server.url}/v1/acquire`, { method: "POST", body: JSON.stringify(body) });
    await post({ name: "x", id: "holder" });
    const waiting = post({ name: "x", id: "waiter", waitMs: 20_000 }).then((r) => r.json());
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = performance.now();
    await server.stop("SIGTERM");
    expect(await waiting).toEqual({ status: "waiting", position: -1 });
    const { code, stdout } = await server.exited;
    expect(code).toBe(0);
    expect(stdout).toContain("lockgate server stopped");
    expect(performance.now() - started).toBeLessThan(5_000);
  }, 30_000);

  it("refuses a bad configuration with a message that says what to fix, and exit code 2", async () => {
    const attempt = startServerProcess(runtime, ["--store", "file"]);
    await expect(attempt).rejects.toThrow(/worker ended/);
  }, 30_000);
});
