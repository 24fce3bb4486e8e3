/** An error the CLI reports as one line (plus what to do) and an exit status. */
export class CliError extends Error {
  override readonly name = "CliError";
  /** Short machine-readable reason, printed in brackets: "bad-store-url", "busy", ... */
  readonly code: string;
  readonly exitCode: number;
  /** One line on what to do about it. */
  readonly hint: string | undefined;

  constructor(code: string, message: string, exitCode: number, hint?: string) {
    super(message);
    this.code = code;
    this.exitCode = exitCode;
    this.hint = hint;
  }
}

export function usageError(message: string, hint?: string): CliError {
  return new CliError("usage", message, 2, hint ?? "see lockgate --help");
}
