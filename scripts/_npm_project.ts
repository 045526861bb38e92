/**
 * What `test:npm`, `test:browser` and `test:types` share: the npm package
 * built, packed and installed from its tarball into a new, empty project, as a
 * user installs it, beside the tools each script names from
 * `npm_test/package.json`, where their versions are pinned.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout's root folder. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** A temporary project with `signalry` installed, removed when disposed. */
export interface NpmProject extends AsyncDisposable {
  /** The project folder; `node_modules/signalry` is the packed package. */
  readonly dir: string;
  /** The `npm pack` tarball the project installed. */
  readonly tarball: string;
}

/** A command that failed, told as a sentence. */
export class CommandError extends Error {
  override name = "CommandError";
}

/**
 * Runs a script's work; where it throws a {@linkcode CommandError}, prints
 * the message alone, without a stack, and exits with 1, as it does when the
 * work returns `false`.
 */
export async function main(work: () => Promise<boolean | void>): Promise<void> {
  try {
    if (await work() === false) Deno.exit(1);
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    console.error(`error: ${error.message}`);
    Deno.exit(1);
  }
}

/**
 * Runs a command with the output shown, in `cwd` (the root by default).
 *
 * @throws {CommandError} If it exits with another code than 0.
 */
export async function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<void> {
  const { code } = await new Deno.Command(command, {
    args: [...args],
    cwd: options.cwd ?? ROOT,
    env: options.env ?? {},
    stdin: "null",
  }).spawn().status;
  if (code !== 0) {
    throw new CommandError(
      `${[command, ...args].join(" ")} exited with ${code}`,
    );
  }
}

/**
 * Runs a command and returns its standard output, trimmed.
 *
 * @throws {CommandError} If it exits with another code than 0, with what it printed.
 */
export async function output(
  command: string,
  args: readonly string[],
  cwd = ROOT,
): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(command, {
    args: [...args],
    cwd,
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(stdout).trim();
  if (code !== 0) {
    const said = `${text}\n${new TextDecoder().decode(stderr)}`.trim();
    throw new CommandError(
      `${[command, ...args].join(" ")} exited with ${code}:\n${said}`,
    );
  }
  return text;
}

/** The tools `npm_test/package.json` pins: name to version, or to `npm:` alias. */
export const PINNED: Readonly<Record<string, string>> = JSON.parse(
  Deno.readTextFileSync(join(ROOT, "npm_test", "package.json")),
).devDependencies;

/** The `name@version` to install for each tool pinned in `npm_test/package.json`. */
function pinned(tools: readonly string[]): string[] {
  return tools.map((tool) => {
    if (PINNED[tool] === undefined) {
      throw new CommandError(`npm_test/package.json does not pin ${tool}`);
    }
    return `${tool}@${PINNED[tool]}`;
  });
}

/**
 * Builds the npm package (`deno task build:npm`), packs it and installs the
 * tarball into a new project with `packages`: names pinned in
 * `npm_test/package.json`, or `name@version` as they are.
 *
 * @param packages What else to install: the tools and test dependencies.
 * @returns The project, removed when disposed.
 */
export async function packedProject(
  packages: readonly string[],
): Promise<NpmProject> {
  await run(Deno.execPath(), ["task", "build:npm"]);
  const dir = await Deno.makeTempDir({ prefix: "signalry_npm." });
  const remove = () => Deno.remove(dir, { recursive: true });
  try {
    const pack = ["pack", "--json", "--pack-destination", dir];
    const [{ filename, files }] = JSON.parse(
      await output("npm", pack, join(ROOT, "npm")),
    ) as [{ filename: string; files: { path: string }[] }];
    const tarball = join(dir, filename);
    // Only what users need: the built modules, their types, README, LICENSE.
    const needed =
      /^(LICENSE|README\.md|package\.json|(esm|script)\/([\w.-]+\/)*[\w.-]+\.(js|d\.ts|json))$/;
    const extra = files.map(({ path }) => path).filter((path) =>
      !needed.test(path)
    );
    if (extra.length > 0) {
      throw new CommandError(
        `${filename} holds files users do not need: ${extra}`,
      );
    }
    console.error(`${filename}: ${files.length} files, installed in ${dir}`);
    await Deno.writeTextFile(
      join(dir, "package.json"),
      JSON.stringify({ private: true, type: "module" }),
    );
    const versioned = packages.filter((name) => /.@/.test(name));
    const tools = pinned(packages.filter((name) => !/.@/.test(name)));
    await run("npm", [
      "install",
      "--no-audit",
      "--no-fund",
      "--no-package-lock",
      "--loglevel=error",
      tarball,
      ...versioned,
      ...tools,
    ], { cwd: dir });
    return { dir, tarball, [Symbol.asyncDispose]: remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
