import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { checkChaosLog } from "./chaos-checker.ts";

// The checker must be able to fail: each broken history below is one it has to catch.
function check(lines: string[], bound = 1_000) {
  const dir = mkdtempSync(join(tmpdir(), "chaos-checker-"));
  const file = join(dir, "log");
  writeFileSync(file, `${lines.join("\n")}\n`);
  try {
    return checkChaosLog(file, bound);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const clean = [
  "want 1 0",
  "write 1 5 ok",
  "enter 1 5 10",
  "want 2 11",
  "leave 1 5",
  "write 2 6 ok",
  "enter 2 6 20",
  "leave 2 6",
];

it("passes a clean history", () => {
  expect(check(clean).problems).toEqual([]);
});

it("catches two live holders inside at once", () => {
  const r = check(["want 1 0", "enter 1 5 1", "want 2 2", "enter 2 6 3"]);
  expect(r.problems.join()).toMatch(/entered .* while 1 .* never paused/);
});

it("allows overlap with a paused holder, and catches its stale write if accepted", () => {
  const paused = [
    "want 1 0",
    "enter 1 5 1",
    "pause 1 2",
    "want 2 3",
    "write 2 6 ok",
    "enter 2 6 4",
    "resume 1 5",
  ];
  expect(check([...paused, "write 1 5 rejected"]).problems).toEqual([]);
  expect(check([...paused, "write 1 5 ok"]).problems.join()).toMatch(/stale write/);
});

it("catches a resource that accepted a lower token", () => {
  expect(check(["write 1 6 ok", "write 2 5 ok"]).problems.join()).toMatch(
    /accepted token 5 after 6/,
  );
});

it("catches a starved waiter, not counting time it was paused", () => {
  expect(check(["want 1 0", "enter 1 5 5000"]).problems.join()).toMatch(/waited 5000 ms/);
  expect(check(["want 1 0", "pause 1 100", "resume 1 4600", "enter 1 5 5000"]).problems).toEqual(
    [],
  );
});

it("a semaphore of 2: two unpaused holders pass, a third is caught", () => {
  const two = ["enter 1 5 10", "enter 2 6 11", "leave 1 5", "leave 2 6"];
  const dir = mkdtempSync(join(tmpdir(), "chaos-checker-"));
  const file = join(dir, "log");
  try {
    writeFileSync(file, `${two.join("\n")}\n`);
    expect(checkChaosLog(file, 1_000, 2).problems).toEqual([]);
    expect(checkChaosLog(file, 1_000, 1).problems).toHaveLength(1);
    writeFileSync(file, `${["enter 1 5 10", "enter 2 6 11", "enter 3 7 12"].join("\n")}\n`);
    expect(checkChaosLog(file, 1_000, 2).problems).toHaveLength(2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
