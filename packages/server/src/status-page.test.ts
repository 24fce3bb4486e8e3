import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpLocker } from "@lockgate/http-client";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "./test-support/server-process.ts";

// The status page in Debian's Chromium: rendered, live over SSE, behind scoped tokens, readable
// without JavaScript, on a phone. UPDATE_SCREENSHOT=1 rewrites the README's screenshot.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ADMIN = "admin-secret-0123456789abcdef";
const BOARD = "board-secret-0123456789abcdef";
let dir: string;
let server: ServerProcess;
let browser: Browser;
let admin: HttpLocker;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`No Chromium at ${CHROMIUM}: run npm run verify, or set CHROMIUM_PATH`);
  dir = mkdtempSync(join(tmpdir(), "lockgate-status-"));
  writeFileSync(
    join(dir, "tokens.json"),
    JSON.stringify({
      tokens: [
        { name: "admin", secret: ADMIN, prefixes: [""], role: "write" },
        { name: "board", secret: BOARD, prefixes: ["team-a/"], role: "read" },
      ],
    }),
    { mode: 0o600 },
  );
  server = await startServerProcess("node", ["--token-file", join(dir, "tokens.json")]);
  admin = new HttpLocker(server.url, { token: ADMIN, leaseTtl: 10_000 });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await admin?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A tab that records every URL it asks for. */
async function tab(options: Parameters<Browser["newContext"]>[0] = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const requests: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  return { page, requests, close: () => context.close() };
}

async function signIn(page: Page, token: string) {
  await page.goto(server.url);
  await page.fill('input[name="token"]', token);
  await page.click('button[type="submit"]');
}

describe("the status page", () => {
  it("refuses without a token, and a wrong token, showing no lock", async () => {
    const held = await admin.acquire("team-a/secret-job", { value: { job: "hidden" } });
    const { page, close } = await tab();
    await page.goto(server.url);
    expect(await page.textContent("main")).toContain("Give a token");
    expect(await page.content()).not.toContain("secret-job");
    expect((await fetch(`${server.url}/v1/status`)).status).toBe(401);
    await signIn(page, "wrong-secret-0123456789abcdef");
    await page.waitForSelector("text=The token was refused");
    expect(await page.content()).not.toContain("secret-job");
    await held.release();
    await close();
  }, 30_000);

  it("shows holders and the queue in order, live: a grant or release within a second", async () => {
    const { page, requests, close } = await tab();
    await signIn(page, BOARD);
    await page.waitForSelector("#live.live");
    const first = await admin.acquire("team-a/deploy", { value: { job: "release 1.4.2" } });
    let started = performance.now();
    await page.waitForSelector("text=release 1.4.2", { timeout: 1_000 });
    const shownIn = performance.now() - started;
    expect(shownIn).toBeLessThan(1_000);
    // Waiters, in queue order.
    const w1 = new HttpLocker(server.url, { token: ADMIN });
    const w2 = new HttpLocker(server.url, { token: ADMIN });
    const second = w1.acquire("team-a/deploy", { value: { job: "second" }, timeout: 30_000 });
    await page.waitForSelector("ol.waiters >> text=second", { timeout: 1_000 });
    const third = w2.acquire("team-a/deploy", { value: { job: "third" }, timeout: 30_000 });
    await page.waitForSelector("ol.waiters >> text=third", { timeout: 1_000 });
    expect(await page.locator("ol.waiters li .who").allTextContents()).toEqual([
      '{"job":"second"}',
      '{"job":"third"}',
    ]);
    // Another team's lock is not this token's to see.
    const other = await admin.acquire("team-b/deploy", { value: { job: "team b" } });
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(await page.content()).not.toContain("team b");
    // A release hands over; the page shows the new holder within a second.
    started = performance.now();
    await first.release();
    await page.waitForSelector('ul.holders >> text={"job":"second"}', { timeout: 1_000 });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await page.locator("ol.waiters li .who").allTextContents()).toEqual(['{"job":"third"}']);
    // Durations count on between changes.
    const heldFor = await page.locator("ul.holders time[data-since]").first().textContent();
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect(await page.locator("ul.holders time[data-since]").first().textContent()).not.toBe(
      heldFor,
    );
    // The token stays with the tab: a reload is live again without typing it.
    await page.reload();
    await page.waitForSelector("#live.live");
    await page.waitForSelector('ul.holders >> text={"job":"second"}');
    // Nothing from elsewhere, and the token never in a URL.
    expect(requests.every((u) => u.startsWith(server.url))).toBe(true);
    expect(requests.some((u) => u.includes(BOARD))).toBe(false);
    expect(page.url()).not.toContain(BOARD);
    await (await second).release();
    await (await third).release();
    await other.release();
    await Promise.all([w1.close(), w2.close(), close()]);
  }, 60_000);

  it("filters by prefix and shows odd names escaped", async () => {
    const odd = await admin.acquire("team-a/evil\u202eboj", { value: { odd: true } });
    const plain = await admin.acquire("team-a/z-other");
    const { page, close } = await tab();
    await signIn(page, BOARD);
    await page.waitForSelector("text=z-other");
    expect(await page.textContent("main")).toContain('"team-a/evil\\u202eboj"');
    await page.fill('input[name="prefix"]', "team-a/z");
    await page.click('button[type="submit"]');
    await page.waitForFunction(() => !document.body.textContent?.includes("evil"));
    expect(await page.textContent("main")).toContain("z-other");
    await Promise.all([odd.release(), plain.release(), close()]);
  }, 30_000);

  it("without JavaScript: the form posts the token and the page is a readable snapshot", async () => {
    const held = await admin.acquire("team-a/snapshot", { value: { job: "no js" } });
    const { page, requests, close } = await tab({ javaScriptEnabled: false });
    await signIn(page, BOARD);
    await page.waitForSelector("text=no js");
    expect(await page.textContent("#live")).toBe("snapshot");
    expect(requests.some((u) => u.includes(BOARD))).toBe(false);
    await Promise.all([held.release(), close()]);
  }, 30_000);

  it("fits a phone's screen", async () => {
    const held = await admin.acquire("team-a/deploy/production-eu-west-1", {
      value: { host: "runner-7", job: "release 1.4.2", pipeline: "https://ci.example/p/91823" },
    });
    const waiting = new HttpLocker(server.url, { token: ADMIN });
    const queued = waiting.acquire("team-a/deploy/production-eu-west-1", {
      value: { host: "runner-3", job: "release 1.4.3" },
      timeout: 30_000,
    });
    const { page, close } = await tab({ viewport: { width: 390, height: 844 }, isMobile: true });
    await signIn(page, BOARD);
    await page.waitForSelector("ol.waiters >> text=runner-3");
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    const shot = process.env.UPDATE_SCREENSHOT
      ? join(import.meta.dirname, "..", "docs", "status-page.png")
      : join(dir, "status-page.png");
    await page.screenshot({ path: shot, fullPage: true });
    await held.release();
    await (await queued).release();
    await Promise.all([waiting.close(), close()]);
  }, 30_000);
});
