/**
 * Finds the README's examples, for `scripts/readme_examples.ts`, which writes
 * each ```ts block of README.md, unchanged, to
 * `examples/readme/NN_heading.ts`, and `examples/readme/_all.ts`, which
 * imports each one by a literal path (so that esbuild bundles them for
 * `deno task test:npm`). Run `deno task readme:examples` after
 * editing a README example; `readme_test.ts` fails until the files match,
 * and runs each one, on Deno with `deno task test` and on Node and Bun with
 * `deno task test:npm`.
 *
 * A block tagged `ts ignore` is not an example and is left out. This module
 * does nothing when imported: `readme_test.ts` imports it on every runtime.
 *
 * @module
 */

/** One README example: the file it goes to and its code. */
export interface ReadmeExample {
  /** `NN_heading.ts`: its place in the README and the heading above it. */
  file: string;
  /** The block's text, exactly as the README has it. */
  code: string;
}

/** The folder the examples go to, from the repository root. */
export const README_EXAMPLES_DIR = "examples/readme";

/** `Django's models` → `djangos_models`. */
function slug(heading: string): string {
  return heading.toLowerCase().replace(/['’]/g, "").replace(/[^a-z0-9]+/g, "_")
    .replace(/^_|_$/g, "");
}

/**
 * The ```ts blocks of a Markdown text, in order, each named after the
 * heading above it.
 */
export function readmeExamples(markdown: string): ReadmeExample[] {
  const examples: ReadmeExample[] = [];
  let heading = "readme";
  // Inside a fence: its ticks, and the lines so far if it is an example.
  let fence: { ticks: string; lines: string[] | undefined } | undefined;
  for (const line of markdown.split("\n")) {
    if (fence !== undefined) {
      if (line !== fence.ticks) fence.lines?.push(line);
      else {
        if (fence.lines !== undefined) {
          const number = String(examples.length + 1).padStart(2, "0");
          examples.push({
            file: `${number}_${slug(heading)}.ts`,
            code: fence.lines.join("\n") + "\n",
          });
        }
        fence = undefined;
      }
      continue;
    }
    const opening = /^(`{3,})\s*(.*)$/.exec(line);
    if (opening !== null) {
      const words = opening[2]!.split(/\s+/);
      const isExample = words[0] === "ts" && !words.includes("ignore");
      fence = { ticks: opening[1]!, lines: isExample ? [] : undefined };
      continue;
    }
    const title = /^#{1,6}\s+(.*)$/.exec(line);
    if (title !== null) heading = title[1]!;
  }
  return examples;
}

/** What `examples/readme/_all.ts` holds for these examples, before `deno fmt`. */
export function examplesIndex(examples: readonly ReadmeExample[]): string {
  const entries = examples.map(({ file }) =>
    `  ${JSON.stringify(file)}: () => import(${JSON.stringify(`./${file}`)}),\n`
  );
  return `// Written by \`deno task readme:examples\` from README.md: do not edit.

/** Each README example by file name: calling it imports, and so runs, it. */
export const README_EXAMPLES: Record<string, () => Promise<unknown>> = {
${entries.join("")}};
`;
}
