import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isLockgateError } from "@lockgate/core";
import { FileLocker } from "@lockgate/file";
import { afterAll, beforeAll, expect, it } from "vitest";
import { currentLeader, runWhenLeading } from "./active-worker.ts";
import { deployWithinLimit } from "./limited-deploys.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "example-coordination-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it("at most 3 of 7 deploys run at once, each with its own token", async () => {
  const lockers = Array.from({ length: 7 }, () => new FileLocker(dir));
  let running = 0;
  let most = 0;
  const tokens: number[] = [];
  await Promise.all(
    lockers.map((locker, i) =>
      deployWithinLimit(locker, `svc-${i}`, async (token) => {
        tokens.push(token);
        running++;
        most = Math.max(most, running);
        await sleep(150);
        running--;
      }),
    ),
  );
  expect(most).toBe(3);
  expect(new Set(tokens).size).toBe(7);
  await Promise.all(lockers.map((l) => l.close()));
});

it("one worker leads; when it stops, another takes over with a greater term", async () => {
  const lockers = Array.from({ length: 3 }, () => new FileLocker(dir));
  const stops = lockers.map(() => new AbortController());
  const terms: [string, number][] = [];
  const workers = lockers.map((locker, i) =>
    runWhenLeading(
      locker,
      `r${i}`,
      async (term, signal) => {
        terms.push([`r${i}`, term]);
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
      },
      stops[i]?.signal as AbortSignal,
    ).catch((error: unknown) => {
      if (!isLockgateError(error, "aborted")) throw error;
    }),
  );
  await expect.poll(() => terms.length, { timeout: 5_000 }).toBe(1);
  const [first, firstTerm] = terms[0] as [string, number];
  expect(await currentLeader(lockers[0] as FileLocker)).toEqual({
    term: firstTerm,
    value: { replica: first },
  });
  stops[Number(first.slice(1))]?.abort();
  await expect.poll(() => terms.length, { timeout: 5_000 }).toBe(2);
  expect((terms[1] as [string, number])[1]).toBeGreaterThan(firstTerm);
  expect((terms[1] as [string, number])[0]).not.toBe(first);
  for (const s of stops) s.abort();
  await Promise.all(workers);
  await Promise.all(lockers.map((l) => l.close()));
});
