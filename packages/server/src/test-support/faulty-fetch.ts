import type { ConnectionFaults } from "@lockgate/store-conformance";

/** A fetch for one client connection: delayed, cut off on demand, remembering its last write. */
export function faultyFetch(latency?: () => number): {
  fetch: typeof fetch;
  faults: ConnectionFaults;
} {
  const faults = { unavailable: false, lastWriteSentAt: undefined as number | undefined };
  const wrapped: typeof fetch = async (input, init) => {
    const ms = latency?.() ?? 0;
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
    if (faults.unavailable) throw new TypeError("fetch failed: injected network outage");
    const sentAt = performance.now();
    const response = await fetch(input, init);
    if (faults.unavailable) throw new TypeError("fetch failed: injected network outage");
    if (init?.method === "POST" && response.ok) faults.lastWriteSentAt = sentAt;
    return response;
  };
  return { fetch: wrapped, faults };
}
