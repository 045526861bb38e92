/**
 * Runs the test suite: `deno test` with the project's flags, against the real
 * `@std` packages from JSR, or against the offline stand-in in
 * `../shared/std_offline` when that folder sits beside the checkout (on
 * machines that cannot reach jsr.io). Extra arguments go to `deno test`; those
 * that name a file or folder (from the repository's root) replace `.`.
 *
 * @module
 */

const TEST_FLAGS = ["-A", "--doc", "--v8-flags=--expose-gc"];
const TEST_PATHS = ["."];

const root = new URL("..", import.meta.url);
const standIn = new URL("../shared/std_offline/deno-test", root);

function exists(url: URL): boolean {
  try {
    return Deno.statSync(url).isFile;
  } catch {
    return false;
  }
}

/** Whether `arg` names a file or folder (then it replaces TEST_PATHS). */
function isPath(arg: string): boolean {
  try {
    return !arg.startsWith("-") && Deno.statSync(new URL(arg, root)) !== null;
  } catch {
    return false;
  }
}

const paths = Deno.args.filter(isPath);
const testArgs = [
  ...TEST_FLAGS,
  ...Deno.args.filter((arg) => !isPath(arg)),
  ...(paths.length > 0 ? paths : TEST_PATHS),
];
const [command, args] = exists(standIn)
  ? ["bash", [standIn.pathname, ...testArgs]]
  : [Deno.execPath(), ["test", ...testArgs]];

console.error(
  exists(standIn)
    ? `signalry: testing with @std/assert and @std/testing/mock from the offline stand-in ${standIn.pathname}`
    : "signalry: testing with @std/assert and @std/testing from JSR",
);

// The stand-in's wrapper calls `deno`: make it this one, even when run by npx.
const denoDir = Deno.execPath().replace(/[/\\][^/\\]*$/, "");
const path = `${denoDir}${Deno.build.os === "windows" ? ";" : ":"}${
  Deno.env.get("PATH") ?? ""
}`;

const { code } = await new Deno.Command(command, {
  args,
  cwd: root,
  env: { PATH: path },
  stdin: "inherit",
  stdout: "inherit",
  stderr: "inherit",
}).output();
Deno.exit(code);
