import { signalNumber } from "./process-group.ts";

/** The signals lockgate passes on to its command, and that end a wait. */
export const RELAYED_SIGNALS: readonly NodeJS.Signals[] = [
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "SIGQUIT",
];

/**
 * Catches the relayed signals for as long as a command runs: while waiting they end the wait,
 * while the child runs they go to its group. Installed before anything else happens, so no
 * signal is lost between the start and the moment it matters.
 */
export class SignalRelay {
  /** The first signal received, if any. */
  received: NodeJS.Signals | undefined;
  #handler: (signal: NodeJS.Signals) => void = () => {};
  readonly #listeners = new Map<NodeJS.Signals, () => void>();

  constructor() {
    for (const signal of RELAYED_SIGNALS) {
      const listener = () => {
        this.received ??= signal;
        this.#handler(signal);
      };
      this.#listeners.set(signal, listener);
      process.on(signal, listener);
    }
  }

  /** What to do on each signal from now on (also told of one already received). */
  onSignal(handler: (signal: NodeJS.Signals) => void): void {
    this.#handler = handler;
  }

  /** 128 + the first signal's number. */
  get exitCode(): number {
    return this.received ? 128 + signalNumber(this.received) : 0;
  }

  uninstall(): void {
    for (const [signal, listener] of this.#listeners) process.off(signal, listener);
    this.#listeners.clear();
  }
}
