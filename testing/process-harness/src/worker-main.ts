import process from "node:process";

/**
 * The body of a worker script: runs `work`, closes what it opened, and exits 0, or prints why
 * it failed and exits 1, so the test reads the outcome from the exit code and stderr.
 */
export async function workerMain(
  work: () => Promise<void>,
  close: () => Promise<void>,
): Promise<never> {
  try {
    await work();
    await close();
    process.exit(0);
  } catch (error) {
    console.error(`worker failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  }
}
