import { isLockgateError } from "@lockgate/core";
import { CliError } from "./cli-error.ts";
import { EXIT } from "./exit-codes.ts";

/** Turns any error into what the CLI prints and exits with. */
export function toCliError(error: unknown, conflictExitCode: number = EXIT.conflict): CliError {
  if (error instanceof CliError) return error;
  if (isLockgateError(error)) {
    switch (error.code) {
      case "busy":
        return new CliError("busy", error.message, conflictExitCode);
      case "timeout":
        return new CliError("timeout", error.message, conflictExitCode);
      case "invalid-argument":
        return new CliError("invalid-argument", error.message, EXIT.usage, "see lockgate --help");
      case "lease-lost":
      case "not-held":
        return new CliError(error.code, error.message, EXIT.leaseLost);
      case "store-unavailable":
        return new CliError(
          "store-unavailable",
          error.message,
          EXIT.storeFailed,
          error.retryable
            ? "check that the store is running and reachable from here"
            : "check the credentials and permissions for this store",
        );
      default:
        return new CliError(error.code, error.message, EXIT.storeFailed);
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(
    "internal",
    message,
    EXIT.internal,
    "this is a bug in lockgate; please report it",
  );
}

/** "lockgate: <message> [code]" and, on the next line, what to do. */
export function formatFailure(error: CliError): string {
  return `lockgate: ${error.message} [${error.code}]\n${error.hint ? `  ${error.hint.replaceAll("\n", "\n  ")}\n` : ""}`;
}
