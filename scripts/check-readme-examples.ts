// A README code block that follows `<!-- example: path -->` must be that file, verbatim, so
// that every snippet users copy is type-checked and tested under examples/.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const readmes = [
  "README.md",
  ...readdirSync(join(root, "packages")).map((p) => join("packages", p, "README.md")),
];

const problems: string[] = [];
let checked = 0;
for (const readme of readmes) {
  let text: string;
  try {
    text = readFileSync(join(root, readme), "utf8");
  } catch {
    if (readme !== "README.md") problems.push(`${readme} is missing`);
    continue;
  }
  for (const m of text.matchAll(/<!-- example: (\S+) -->\s*```\w*\n([\s\S]*?)```/g)) {
    const [, file, block] = m as unknown as [string, string, string];
    let source: string;
    try {
      source = readFileSync(join(root, file), "utf8");
    } catch {
      problems.push(`${readme}: example ${file} does not exist`);
      continue;
    }
    checked++;
    if (source !== block)
      problems.push(`${readme}: the block for ${file} differs from the file; copy it again`);
  }
}
if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`README examples: ${checked} blocks match their files`);
