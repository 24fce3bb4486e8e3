import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { linkSignals } from "./linked-signal.ts";

describe("linkSignals", () => {
  it("aborts with the reason of the first source that aborts", () => {
    const a = new AbortController();
    const b = new AbortController();
    const { signal } = linkSignals(a.signal, undefined, b.signal);
    expect(signal.aborted).toBe(false);
    b.abort(new Error("b went"));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe("b went");
    a.abort(new Error("a went later"));
    expect((signal.reason as Error).message).toBe("b went");
  });

  it("is already aborted when a source is", () => {
    const a = new AbortController();
    a.abort("gone");
    const { signal } = linkSignals(new AbortController().signal, a.signal);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe("gone");
  });

  it("leaves no listener on a long-lived source once unlinked, however often it is used", () => {
    const shutdown = new AbortController();
    for (let i = 0; i < 10_000; i++) {
      const request = new AbortController();
      const { signal, unlink } = linkSignals(request.signal, shutdown.signal);
      if (i % 2 === 0) request.abort();
      expect(signal.aborted).toBe(i % 2 === 0);
      unlink();
      unlink();
    }
    expect(getEventListeners(shutdown.signal, "abort")).toHaveLength(0);
    // An unlinked signal no longer follows its sources.
    const request = new AbortController();
    const { signal, unlink } = linkSignals(request.signal, shutdown.signal);
    unlink();
    shutdown.abort();
    expect(signal.aborted).toBe(false);
  });

  it("passes a single source through and never aborts with none", () => {
    const a = new AbortController();
    expect(linkSignals(undefined, a.signal).signal).toBe(a.signal);
    expect(linkSignals().signal.aborted).toBe(false);
  });
});
