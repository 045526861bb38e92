/**
 * The package's entry points, read from `deno.json`'s `exports`, for every
 * script that builds, checks or tests each of them (`build_npm.ts`,
 * `check_exports.ts`, `_bundle_tests.ts`, `test_npm.ts`). A new entry point is
 * added to `exports` and nowhere else.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The checkout's root folder, where `deno.json` is. */
const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** One module of `deno.json`'s `exports`. */
export interface EntryPoint {
  /** The export's subpath, as in `deno.json` and `package.json`: `.`, `./relay`. */
  readonly subpath: string;
  /** The module, relative to the root: `./mod.ts`. */
  readonly source: string;
  /** The module's `file:` URL, as Deno's module graph names it. */
  readonly url: string;
  /** What an npm user imports for it: `signalry`, `signalry/relay`. */
  readonly npmSpecifier: string;
}

/** `deno.json`, parsed. */
export function denoJson(): Record<string, unknown> {
  return JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json")));
}

/**
 * The npm package's name: `deno.json`'s JSR name without its scope
 * (`@signalry/signalry` is `signalry`).
 *
 * @throws {Error} If `deno.json` has no `name` string.
 */
export function npmName(config = denoJson()): string {
  if (typeof config.name !== "string") {
    throw new Error('deno.json has no "name" string');
  }
  return config.name.replace(/^@[^/]+\//, "");
}

/**
 * Each module `deno.json` exports, `.` first.
 *
 * @throws {Error} If `exports` is missing, names no `.` module, or maps a
 * subpath to something other than a `.ts` file in the checkout.
 */
export function entryPoints(config = denoJson()): EntryPoint[] {
  const { exports } = config;
  const map: Record<string, unknown> = typeof exports === "string"
    ? { ".": exports }
    : typeof exports === "object" && exports !== null
    ? { ...exports }
    : {};
  if (!("." in map)) throw new Error('deno.json "exports" names no "." module');
  const name = npmName(config);
  return Object.entries(map)
    .sort(([a], [b]) => a === "." ? -1 : b === "." ? 1 : a < b ? -1 : 1)
    .map(([subpath, source]) => {
      if (typeof source !== "string" || !/^\.\/.+\.ts$/.test(source)) {
        throw new Error(
          `deno.json "exports" maps "${subpath}" to ${
            JSON.stringify(source)
          }; expected a path like "./mod.ts"`,
        );
      }
      return {
        subpath,
        source,
        url: pathToFileURL(join(ROOT, source)).href,
        npmSpecifier: subpath === "." ? name : `${name}/${subpath.slice(2)}`,
      };
    });
}
