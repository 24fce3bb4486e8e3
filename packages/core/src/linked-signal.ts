export interface LinkedSignal {
  /** Aborts, with that source's reason, when the first of the sources aborts. */
  readonly signal: AbortSignal;
  /** Detaches from the sources; call it when the operation is over. Idempotent. */
  readonly unlink: () => void;
}

const NOTHING = (): void => {};

/**
 * A signal that aborts when any of `sources` does, for one operation. Unlike
 * `AbortSignal.any`, it leaves nothing behind in a long-lived source once unlinked: Node 20
 * and Deno keep an entry per `any()` call in each source (nodejs/node#55351), so combining a
 * server's shutdown signal, or a locker's close signal, with each request grew without end.
 */
export function linkSignals(...sources: readonly (AbortSignal | undefined)[]): LinkedSignal {
  const present = sources.filter((s): s is AbortSignal => s !== undefined);
  const aborted = present.find((s) => s.aborted);
  if (aborted) return { signal: aborted, unlink: NOTHING };
  if (present.length === 1) return { signal: present[0] as AbortSignal, unlink: NOTHING };
  const controller = new AbortController();
  if (present.length === 0) return { signal: controller.signal, unlink: NOTHING };
  const listeners = present.map((source) => {
    const onAbort = () => {
      unlink();
      controller.abort(source.reason);
    };
    source.addEventListener("abort", onAbort, { once: true });
    return { source, onAbort };
  });
  let linked = true;
  const unlink = () => {
    if (!linked) return;
    linked = false;
    for (const { source, onAbort } of listeners) source.removeEventListener("abort", onAbort);
  };
  return { signal: controller.signal, unlink };
}
