import type { Locker, LockInfo } from "@lockgate/core";
import { holderKey, waitLine } from "./lock-text.ts";

export type ProgressMode = "tty" | "lines" | "quiet";

export interface WaitProgressOptions {
  readonly name: string;
  /** Our acquirer id: finds our place among the waiters. */
  readonly me: string;
  readonly mode: ProgressMode;
  readonly out: { write(text: string): unknown; columns?: number };
  /** Lines mode: repeat the line this often while nothing changes. Default 30 s. */
  readonly repeatMs?: number;
}

/**
 * Tells a waiting person who holds the lock and how many are ahead, from the lock's watch (no
 * polling of the store). On a terminal one line redrawn every second; elsewhere a line when the
 * holder changes and every `repeatMs`.
 */
export class WaitProgress {
  readonly #o: WaitProgressOptions;
  readonly #stop = new AbortController();
  #info: LockInfo | undefined;
  #lastKey: string | undefined;
  #lastLineAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #drawn = false;

  constructor(options: WaitProgressOptions) {
    this.#o = options;
  }

  start(locker: Locker): void {
    if (this.#o.mode === "quiet") return;
    void this.#follow(locker);
    const every = this.#o.mode === "tty" ? 1_000 : Math.min(this.#o.repeatMs ?? 30_000, 1_000);
    this.#timer = setInterval(() => this.#tick(), every);
    this.#timer.unref();
  }

  stop(): void {
    this.#stop.abort();
    if (this.#timer) clearInterval(this.#timer);
    if (this.#drawn) this.#o.out.write("\r\x1b[2K");
    this.#drawn = false;
  }

  async #follow(locker: Locker): Promise<void> {
    while (!this.#stop.signal.aborted) {
      try {
        for await (const info of locker.watch(this.#o.name, { signal: this.#stop.signal })) {
          this.#info = info;
          this.#tick(true);
        }
      } catch {
        // The store is away; the acquire reports that. Look again shortly.
      }
      if (this.#stop.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, 1_000).unref());
    }
  }

  #tick(changed = false): void {
    const info = this.#info;
    if (!info || this.#stop.signal.aborted) return;
    // Ours already: the acquire is about to return; a line about waiting would be wrong.
    if (info.holders.some((h) => h.acquirerId === this.#o.me)) return;
    const now = Date.now();
    const line = waitLine(info, this.#o.me, now);
    if (this.#o.mode === "tty") {
      const columns = this.#o.out.columns ?? 0;
      const shown = columns > 1 && line.length >= columns ? `${line.slice(0, columns - 2)}…` : line;
      this.#o.out.write(`\r\x1b[2K${shown}`);
      this.#drawn = true;
      return;
    }
    const key = holderKey(info);
    const repeat = this.#o.repeatMs ?? 30_000;
    if ((changed && key !== this.#lastKey) || now - this.#lastLineAt >= repeat) {
      this.#lastKey = key;
      this.#lastLineAt = now;
      this.#o.out.write(`lockgate: ${line}\n`);
    }
  }
}
