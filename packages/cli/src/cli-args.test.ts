import { describe, expect, it } from "vitest";
import { exitCodeOption, parseArgs, secondsOption } from "./cli-args.ts";
import { decodeHandle, encodeHandle } from "./lease-handle.ts";
import { cliTimings } from "./lock-timings.ts";

const spec = {
  shared: { short: "s" },
  "non-blocking": { short: "n" },
  timeout: { short: "w", value: true },
};

describe("parseArgs", () => {
  it("reads options before and after NAME, and nothing after the command starts", () => {
    expect(parseArgs(["-n", "deploy", "-w5", "--", "cmd", "-n", "--x"], spec, 1)).toEqual({
      options: { "non-blocking": true, timeout: "5" },
      positionals: ["deploy"],
      command: ["cmd", "-n", "--x"],
    });
    expect(parseArgs(["deploy", "--timeout=2.5", "cmd", "-s"], spec, 1)).toEqual({
      options: { timeout: "2.5" },
      positionals: ["deploy"],
      command: ["cmd", "-s"],
    });
    expect(parseArgs(["-sn", "x"], spec, 1).options).toEqual({
      shared: true,
      "non-blocking": true,
    });
  });

  it("refuses unknown options and missing values", () => {
    expect(() => parseArgs(["--nope"], spec, 1)).toThrow(/unknown option --nope/);
    expect(() => parseArgs(["-q"], spec, 1)).toThrow(/unknown option -q/);
    expect(() => parseArgs(["x", "-w"], spec, 1)).toThrow(/-w needs a value/);
    expect(() => parseArgs(["--shared=yes"], spec, 1)).toThrow(/--shared takes no value/);
  });

  it("seconds and exit codes are checked", () => {
    expect(secondsOption({ timeout: "1.5" }, "timeout", 0)).toBe(1500);
    expect(() => secondsOption({ timeout: "-1" }, "timeout", 0)).toThrow(/number of seconds/);
    expect(exitCodeOption({ e: "0" }, "e", 1)).toBe(0);
    expect(() => exitCodeOption({ e: "256" }, "e", 1)).toThrow(/0 to 255/);
  });
});

describe("lease timings", () => {
  it("leave the kill grace plus a margin between giving up belief and the ttl", () => {
    const t = cliTimings(30_000, 5_000);
    expect(t).toEqual({ leaseTtl: 30_000, renewInterval: 10_000, renewDeadline: 20_000 });
    const short = cliTimings(3_000, 500);
    expect(3_000 - (short.renewDeadline as number)).toBeGreaterThanOrEqual(500 + 1_000);
    expect(() => cliTimings(3_000, 5_000)).toThrow(/leaves no time to stop the command/);
  });
});

describe("handles", () => {
  it("round-trip a lease and refuse what is not one", () => {
    const lease = { name: "deploy/prod", id: "0c6f", shared: false, token: 42, ttl: 30_000 };
    expect(decodeHandle(encodeHandle(lease))).toEqual(lease);
    expect(() => decodeHandle("lgh1.not-json")).toThrow(
      /not a lockgate handle \(it does not decode\)/,
    );
    expect(() => decodeHandle("something")).toThrow(/does not start with lgh1\./);
    const forged = `lgh1.${Buffer.from(JSON.stringify({ ...lease, token: -1 })).toString("base64url")}`;
    expect(() => decodeHandle(forged)).toThrow(/token must be a positive integer/);
  });
});

describe("names on a terminal", () => {
  it("a name with control characters is shown quoted and escaped; others as they are", async () => {
    const { displayLockName } = await import("@lockgate/core");
    expect(displayLockName("deploy/prod")).toBe("deploy/prod");
    expect(displayLockName("evil\u001b[2Jname")).toBe('"evil\\u001b[2Jname"');
    // Bidirectional overrides and zero-width characters too: they make a name look like another.
    expect(displayLockName("deploy\u202e/prod\u200b")).toBe('"deploy\\u202e/prod\\u200b"');
    expect(displayLockName("déploiement/生产")).toBe("déploiement/生产");
  });
});
