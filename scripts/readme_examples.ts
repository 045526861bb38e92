/**
 * `deno task readme:examples`: writes each ```ts block of README.md,
 * unchanged, to `examples/readme/NN_heading.ts`, removes example files the
 * README no longer has, and writes `examples/readme/_all.ts` (see
 * `scripts/_readme.ts`).
 *
 * @module
 */

import {
  examplesIndex,
  README_EXAMPLES_DIR,
  readmeExamples,
} from "./_readme.ts";

const root = new URL("..", import.meta.url);
const dir = new URL(`${README_EXAMPLES_DIR}/`, root);
const examples = readmeExamples(
  await Deno.readTextFile(new URL("README.md", root)),
);
const files = new Map(examples.map(({ file, code }) => [file, code]));
files.set("_all.ts", examplesIndex(examples));
await Deno.mkdir(dir, { recursive: true });
for await (const { name } of Deno.readDir(dir)) {
  if (name.endsWith(".ts") && !files.has(name)) {
    await Deno.remove(new URL(name, dir));
  }
}
for (const [name, text] of files) {
  await Deno.writeTextFile(new URL(name, dir), text);
}
// The index as `deno fmt --check` wants it; the examples are already.
const fmt = await new Deno.Command(Deno.execPath(), {
  args: ["fmt", "--quiet", new URL("_all.ts", dir).pathname],
}).output();
if (!fmt.success) throw new Error(new TextDecoder().decode(fmt.stderr));
console.error(
  `signalry: wrote ${examples.length} README examples and _all.ts to ${README_EXAMPLES_DIR}/`,
);
