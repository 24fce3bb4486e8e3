import { spawn } from "node:child_process";
import { join } from "node:path";
import { HttpLocker } from "@lockgate/http-client";
import { expect, it } from "vitest";

it("serves locks, the status page and its own route from one process", async () => {
  const token = "example-token-0123456789";
  const child = spawn(
    process.execPath,
    [
      "--conditions=@lockgate/source",
      "--import",
      "tsx",
      join(import.meta.dirname, "embedded-server.ts"),
    ],
    {
      env: { ...process.env, LOCKGATE_TOKEN: token, PORT: "0" },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const exited = new Promise((resolve) => child.on("exit", resolve));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        const m = /locks at (http:\/\/\S+)/.exec(String(chunk));
        if (m) resolve(m[1] as string);
      });
      child.on("exit", (code) => reject(new Error(`exited ${code}`)));
    });
    const locker = new HttpLocker(url, { token });
    const lock = await locker.acquire("example/job", { value: { from: "the example" } });
    expect(lock.fencingToken).toBeGreaterThan(0);
    expect(await (await fetch(`${url}/hello`)).text()).toContain("my own route");
    expect((await fetch(`${url}/`)).headers.get("content-type")).toContain("text/html");
    await lock.release();
    await locker.close();
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}, 30_000);
