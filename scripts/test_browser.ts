/**
 * The browser smoke test (`deno task test:browser`): `npm_test/browser_smoke.ts`
 * imports the packed ES module build, esbuild bundles it for the browser as a
 * user's build would (minified, `using` lowered for ES2022), and
 * `npm_test/browser.test.mjs` runs its checks in headless Chromium
 * (`/usr/bin/chromium`, Debian's `chromium` package, or `SIGNALRY_CHROMIUM`)
 * through puppeteer-core.
 *
 * @module
 */

import { join } from "node:path";
import { build } from "esbuild";
import { CommandError, packedProject, ROOT, run } from "./_npm_project.ts";

/** What the smoke test needs installed beside the package. */
export const BROWSER_TOOLS = ["puppeteer-core"];

/**
 * Bundles and runs the smoke test in `dir`, a project with `signalry` and
 * {@linkcode BROWSER_TOOLS} installed.
 *
 * @throws {CommandError} If Chromium is missing or a check fails.
 */
export async function testBrowser(dir: string): Promise<void> {
  const chromium = Deno.env.get("SIGNALRY_CHROMIUM") || "/usr/bin/chromium";
  try {
    Deno.statSync(chromium);
  } catch {
    throw new CommandError(
      `No Chromium at ${chromium}: apt-get install -y chromium, or set SIGNALRY_CHROMIUM`,
    );
  }
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
  });
}

if (import.meta.main) {
  await using project = await packedProject(BROWSER_TOOLS);
  await testBrowser(project.dir);
}
