import { describe, expect, it } from "vitest";
import { main } from "./main.ts";

function capture() {
  let out = "";
  let err = "";
  return {
    io: {
      env: {},
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (err += t) },
    },
    out: () => out,
    err: () => err,
  };
}

describe("--help", () => {
  it.each(["run", "acquire", "hold", "release", "status", "inspect", "watch"])(
    "lockgate %s --help: usage and an example, exit 0",
    async (command) => {
      const c = capture();
      expect(await main([command, "--help"], c.io)).toBe(0);
      expect(c.out()).toMatch(new RegExp(`^Usage: lockgate ${command} `));
      expect(c.out()).toMatch(/Example/);
      expect(c.err()).toBe("");
    },
  );

  it("lockgate --help lists the commands and store URLs; no command is usage (exit 2)", async () => {
    const c = capture();
    expect(await main(["--help"], c.io)).toBe(0);
    for (const word of [
      "run",
      "acquire",
      "hold",
      "release",
      "status",
      "inspect",
      "watch",
      "etcd://",
      "kubernetes://",
    ]) {
      expect(c.out()).toContain(word);
    }
    expect(await main([], capture().io)).toBe(2);
  });

  it("a command without LOCKGATE_STORE or --store says how to give one", async () => {
    const c = capture();
    expect(await main(["status"], c.io)).toBe(2);
    expect(c.err()).toMatch(
      /no store given \[bad-store-url\]\n {2}pass --store URL or set LOCKGATE_STORE/,
    );
  });
});
