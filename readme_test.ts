// Every code example of README.md runs, as it is, on each runtime: the
// examples live in examples/readme/ (written by `deno task readme:examples`),
// and importing one runs it. On Deno, "signalry" is ./mod.ts (deno.json's
// imports); on Node and Bun it is the installed npm package.

import { assertEquals } from "@std/assert";
import { README_EXAMPLES } from "./examples/readme/_all.ts";
import { README_EXAMPLES_DIR, readmeExamples } from "./scripts/_readme.ts";

// Node and Bun run this file bundled, without the README beside it.
const HAS_SOURCES = "readTextFileSync" in Deno;

Deno.test({
  name:
    "README examples in examples/readme/ are the README's ts blocks, unchanged (deno task readme:examples writes them)",
  ignore: !HAS_SOURCES,
  fn() {
    const root = new URL(".", import.meta.url);
    const examples = readmeExamples(
      Deno.readTextFileSync(new URL("README.md", root)),
    );
    assertEquals(
      Object.keys(README_EXAMPLES),
      examples.map(({ file }) => file),
    );
    for (const { file, code } of examples) {
      const path = new URL(`${README_EXAMPLES_DIR}/${file}`, root);
      assertEquals(Deno.readTextFileSync(path), code, file);
    }
  },
});

for (const [file, run] of Object.entries(README_EXAMPLES)) {
  Deno.test(`README example ${file} runs as it is`, async () => {
    await run();
  });
}
