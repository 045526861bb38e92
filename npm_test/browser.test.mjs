// Runs the browser smoke test in headless Chromium: loads browser_smoke.js
// (npm_test/browser_smoke.ts bundled by scripts/test_browser.ts, which copies
// this file beside it) into a blank page, then runs each of its checks as a
// node:test test. Nothing is served: the page is about:blank.
import { readFile, rm } from "node:fs/promises";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, test } from "node:test";
import puppeteer from "puppeteer-core";

// scripts/test_browser.ts finds or installs the browser.
const CHROMIUM = process.env.SIGNALRY_CHROMIUM;
// Without the networking flags Chromium calls out to Google's services, which
// this test has no use for and a closed network refuses.
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const userDataDir = await mkdtemp(join(tmpdir(), "signalry_chromium."));
const browser = await puppeteer.launch({
  executablePath: CHROMIUM,
  headless: true,
  pipe: true,
  userDataDir,
  args: FLAGS,
});
after(async () => {
  await browser.close();
  await rm(userDataDir, { recursive: true, force: true });
});

const page = await browser.newPage();
const pageErrors = [];
page.on("pageerror", (error) => pageErrors.push(error));
await page.addScriptTag({
  content: await readFile(new URL("browser_smoke.js", import.meta.url), "utf8"),
});
const names = await page.evaluate(() => Object.keys(globalThis.smoke.checks));
const version = await browser.version();

test(`the smoke test loads in ${version} without errors`, () => {
  if (pageErrors.length > 0) throw pageErrors[0];
  if (names.length === 0) throw new Error("the page has no checks");
});
for (const name of names) {
  test(
    name,
    () => page.evaluate((name) => globalThis.smoke.checks[name](), name),
  );
}
