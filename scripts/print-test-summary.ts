// Prints vitest's JSON report as one closing line: "tests: N passed, N failed, N skipped".
import { readFileSync } from "node:fs";

const path = process.argv[2] ?? ".tmp/vitest.json";
const report = JSON.parse(readFileSync(path, "utf8")) as {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
};
console.log(
  `tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped`,
);
