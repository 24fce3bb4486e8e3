// Writes packages/*/README.md from docs-src/*.md, replacing @@path@@ with that file's text, so
// README snippets are the type-checked, tested files under examples/.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
for (const file of readdirSync(join(root, "docs-src"))) {
  const name = file.replace(/\.md$/, "");
  const text = readFileSync(join(root, "docs-src", file), "utf8").replace(
    /@@(\S+?)@@\n/g,
    (_, path: string) =>
      `\`\`\`${path.endsWith(".sh") ? "sh" : "ts"}\n${readFileSync(join(root, path), "utf8")}\`\`\`\n`,
  );
  const out = name === "root" ? join(root, "README.md") : join(root, "packages", name, "README.md");
  writeFileSync(out, text);
  console.log(`wrote ${out}`);
}
