#!/usr/bin/env node
import { processIo } from "./cli-io.ts";
import { main } from "./main.ts";

// A reader that went away ("lockgate watch | head", a closed terminal) must not crash lockgate
// while it holds a lock: lost diagnostics are harmless, lost output ends the command.
process.stderr.on("error", () => {});
process.stdout.on("error", () => process.exit(141));

// exitCode, not exit(): stdout drains first. The timer only ends a run whose store client
// keeps the event loop alive after close.
process.exitCode = await main(process.argv.slice(2), processIo());
setTimeout(() => process.exit(), 1_000).unref();
