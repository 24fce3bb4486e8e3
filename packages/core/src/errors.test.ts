import { describe, expect, it } from "vitest";
import { closedError, isLockgateError, LOCKGATE_ERROR_CODES, LockgateError } from "./errors.ts";

describe("LockgateError", () => {
  it("carries a code, a retryable flag by code, and its cause", () => {
    const cause = new Error("socket closed");
    const e = new LockgateError("store-unavailable", "etcd is down", { cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("LockgateError");
    expect(e.code).toBe("store-unavailable");
    expect(e.retryable).toBe(true);
    expect(e.cause).toBe(cause);
    expect(new LockgateError("invalid-argument", "x").retryable).toBe(false);
    expect(new LockgateError("lease-lost", "x").retryable).toBe(false);
    expect(new LockgateError("store-unavailable", "closed", { retryable: false }).retryable).toBe(
      false,
    );
  });

  it("closedError: store-unavailable that is not worth retrying, naming what closed", () => {
    const e = closedError("The file store");
    expect(isLockgateError(e, "store-unavailable")).toBe(true);
    expect(e.retryable).toBe(false);
    expect(e.message).toBe("The file store is closed");
  });

  it("is recognised by isLockgateError, with or without a code", () => {
    const e = new LockgateError("timeout", "t");
    expect(isLockgateError(e)).toBe(true);
    expect(isLockgateError(e, "timeout")).toBe(true);
    expect(isLockgateError(e, "busy")).toBe(false);
    for (const other of [
      new Error("timeout"),
      { code: "timeout" },
      null,
      undefined,
      "timeout",
      42,
    ]) {
      expect(isLockgateError(other)).toBe(false);
    }
  });

  it("is recognised across a duplicate copy of the package, where instanceof fails", async () => {
    // A query string makes the module loader evaluate errors.ts a second time: a second copy.
    const duplicate = "./errors.ts?duplicate-copy";
    const copy = (await import(/* @vite-ignore */ duplicate)) as typeof import("./errors.ts");
    expect(copy.LockgateError).not.toBe(LockgateError);
    const foreign = new copy.LockgateError("conflict", "from the other copy");
    expect(foreign instanceof LockgateError).toBe(false);
    expect(isLockgateError(foreign, "conflict")).toBe(true);
    expect(copy.isLockgateError(new LockgateError("busy", "from this copy"), "busy")).toBe(true);
  });

  it("has a closed, documented set of codes", () => {
    expect([...LOCKGATE_ERROR_CODES].sort()).toEqual([
      "aborted",
      "busy",
      "conflict",
      "corrupt-record",
      "invalid-argument",
      "lease-lost",
      "max-hold",
      "not-held",
      "store-unavailable",
      "timeout",
    ]);
  });
});
