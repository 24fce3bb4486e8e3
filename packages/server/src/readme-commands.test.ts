import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// The README's commands from a clone of this repository, exactly as given (plus a free port):
// each must start a server that answers, and stop on SIGTERM. (`npx`, `bunx` and `deno run
// npm:` are run on the packed package by scripts/check-isolated-installs.ts.)
const repo = join(import.meta.dirname, "..", "..", "..");
const commands: [string, string[]][] = [
  ["npm", ["run", "server", "--", "--no-auth"]],
  ["pnpm", ["--filter", "@lockgate/server", "start:bun", "--", "--no-auth"]],
  ["pnpm", ["--filter", "@lockgate/server", "start:deno", "--", "--no-auth"]],
];

describe("the README's commands", () => {
  it.each(commands)(
    "%s %j starts a server",
    async (command, args) => {
      const child = spawn(command, [...args, "--port", "0"], {
        cwd: repo,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      let output = "";
      try {
        const url = await new Promise<string>((resolve, reject) => {
          const read = (chunk: Buffer) => {
            output += chunk;
            const m = /listening on (http:\/\/\S+)/.exec(output);
            if (m) resolve(m[1] as string);
          };
          child.stdout.on("data", read);
          child.stderr.on("data", read);
          child.on("exit", (code) => reject(new Error(`exited ${code}: ${output}`)));
        });
        const reply = await fetch(`${url}/v1/acquire`, {
          method: "POST",
          body: JSON.stringify({ name: "readme", id: "r1" }),
        });
        expect((await reply.json()).status).toBe("granted");
      } finally {
        // The group: npm and pnpm run the server as a grandchild.
        process.kill(-(child.pid as number), "SIGTERM");
        child.stdout.destroy();
        child.stderr.destroy();
      }
    },
    60_000,
  );
});
