/**
 * An acquire that `Locker.close()` can end. Its AbortController is made only when a step
 * needs a signal to wait on: most acquires are granted by their first store write, and a
 * controller per acquire was a tenth of an uncontended acquire+release.
 */
export class ClosableRun {
  #controller: AbortController | undefined;
  #reason: unknown;
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  /** What `close()` was given. */
  get reason(): unknown {
    return this.#reason;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#closed) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  close(reason: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}
