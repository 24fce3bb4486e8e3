import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { LockgateError } from "@lockgate/core";

/** Creates the lock directory if missing and proves it usable, with errors that say what to fix. */
export function prepareLockDirectory(dir: string): void {
  if (typeof dir !== "string" || dir === "") {
    throw new LockgateError("invalid-argument", "The lock directory must be a non-empty path");
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (cause) {
    throw explain(dir, cause);
  }
  if (!statSync(dir).isDirectory()) {
    throw new LockgateError(
      "invalid-argument",
      `Cannot keep locks in ${dir}: it is not a directory`,
    );
  }
  try {
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (cause) {
    throw explain(dir, cause);
  }
}

function explain(dir: string, cause: unknown): LockgateError {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === "EEXIST" || code === "ENOTDIR") {
    return new LockgateError(
      "invalid-argument",
      `Cannot keep locks in ${dir}: a file stands where the directory (or one of its parents) should be`,
      { cause },
    );
  }
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
    return new LockgateError(
      "store-unavailable",
      `Cannot create or write the lock directory ${dir} (${code}): every process that shares these ` +
        "locks needs read, write and search permission on it; grant it or choose another directory",
      { cause, retryable: false },
    );
  }
  return new LockgateError(
    "store-unavailable",
    `Cannot use the lock directory ${dir}: ${String(cause)}`,
    {
      cause,
      retryable: false,
    },
  );
}
