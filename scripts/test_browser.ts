/**
 * The browser smoke test (`deno task test:browser`): `npm_test/browser_smoke.ts`
 * imports the packed ES module build, esbuild bundles it for the browser as a
 * user's build would (minified, `using` lowered for ES2022), and
 * `npm_test/browser.test.mjs` runs its checks in headless Chromium through
 * puppeteer-core: `SIGNALRY_CHROMIUM`, or Chromium or Google Chrome on PATH,
 * or else Debian's `chromium` package, which it installs when run as root.
 *
 * @module
 */

import { join } from "node:path";
import { build } from "esbuild";
import {
  CommandError,
  main,
  packedProject,
  ROOT,
  run,
} from "./_npm_project.ts";

/** What the smoke test needs installed beside the package. */
export const BROWSER_TOOLS = ["puppeteer-core"];
/** Browsers to look for on PATH, in order; GitHub's runners have Google Chrome. */
const BROWSERS = ["chromium", "google-chrome-stable", "google-chrome"];

function onPath(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(join(dir, name)).isFile) return join(dir, name);
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/**
 * `SIGNALRY_CHROMIUM`, or the first of {@linkcode BROWSERS} on PATH; where
 * there is none and this is root on Debian, installs Debian's `chromium`.
 *
 * @throws {CommandError} If no browser is found or installed.
 */
async function findChromium(): Promise<string> {
  const chosen = Deno.env.get("SIGNALRY_CHROMIUM");
  if (chosen) return chosen;
  const found = BROWSERS.map(onPath).find((path) => path !== undefined);
  if (found !== undefined) return found;
  if (Deno.uid() !== 0 || onPath("apt-get") === undefined) {
    throw new CommandError(
      `No browser on PATH (${
        BROWSERS.join(", ")
      }): install Debian's chromium, or set SIGNALRY_CHROMIUM`,
    );
  }
  console.error("--- no browser on PATH: installing Debian's chromium");
  await run("apt-get", ["update", "-qq"]);
  await run("apt-get", ["install", "-y", "-qq", "chromium"], {
    env: { DEBIAN_FRONTEND: "noninteractive" },
  });
  const installed = onPath("chromium");
  if (installed === undefined) {
    throw new CommandError("apt-get installed chromium, but it is not on PATH");
  }
  return installed;
}

/**
 * Bundles and runs the smoke test in `dir`, a project with `signalry` and
 * {@linkcode BROWSER_TOOLS} installed.
 *
 * @throws {CommandError} If Chromium is missing or a check fails.
 */
export async function testBrowser(dir: string): Promise<void> {
  const chromium = await findChromium();
  for (const file of ["browser_smoke.ts", "browser.test.mjs"]) {
    await Deno.copyFile(join(ROOT, "npm_test", file), join(dir, file));
  }
  await build({
    entryPoints: [join(dir, "browser_smoke.ts")],
    absWorkingDir: dir,
    bundle: true,
    format: "iife",
    globalName: "smoke",
    platform: "browser",
    target: "es2022",
    minify: true,
    outfile: join(dir, "browser_smoke.js"),
    logLevel: "warning",
  });
  await run("node", ["--test", "--test-reporter=spec", "browser.test.mjs"], {
    cwd: dir,
    env: { SIGNALRY_CHROMIUM: chromium },
  });
}

if (import.meta.main) {
  await main(async () => {
    await using project = await packedProject(BROWSER_TOOLS);
    await testBrowser(project.dir);
  });
}
