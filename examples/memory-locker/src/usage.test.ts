import { expect, it } from "vitest";
import { deploy } from "./usage.ts";

it("the README example runs and does what it says", async () => {
  const lines: string[] = [];
  await deploy((line) => lines.push(line));
  expect(lines).toEqual([
    "holding deploy/prod with token 1",
    "cleaning up",
    "1 reader(s), token 1",
  ]);
});
