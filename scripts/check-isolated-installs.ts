// Proves "install only what you need": packs every public package, checks what the tarball
// declares, installs each alone (with only its declared @lockgate peers) into an empty
// project, and runs a smoke script there. Also checks that every import in dist/ is declared
// and every declared dependency is imported.
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface Manifest {
  name: string;
  private?: boolean;
  exports?: unknown;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const root = join(import.meta.dirname, "..");
const work = mkdtempSync(join(tmpdir(), "lockgate-isolated-"));
const problems: string[] = [];
const run = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) =>
  execFileSync(cmd, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
// The server's smoke script also runs it on Bun and Deno: their binaries from the repository.
const runtimes = {
  SMOKE_BUN: join(root, "packages", "server", "node_modules", ".bin", "bun"),
  SMOKE_DENO: join(root, "packages", "server", "node_modules", ".bin", "deno"),
};

const packages = readdirSync(join(root, "packages"))
  .map((dir) => ({ dir: join(root, "packages", dir), short: dir }))
  .map((p) => ({
    ...p,
    manifest: JSON.parse(readFileSync(join(p.dir, "package.json"), "utf8")) as Manifest,
  }))
  .filter((p) => !p.manifest.private);

const tarballs = new Map<string, string>();
for (const p of packages) {
  const out = run("pnpm", ["pack", "--pack-destination", work], p.dir)
    .trim()
    .split("\n")
    .at(-1) as string;
  const tarball = out.startsWith("/") ? out : join(work, out);
  tarballs.set(p.manifest.name, tarball);
  const unpacked = join(work, `unpacked-${p.short}`);
  mkdirSync(unpacked);
  run("tar", ["-xzf", tarball, "-C", unpacked], work);
  const packed = JSON.parse(
    readFileSync(join(unpacked, "package", "package.json"), "utf8"),
  ) as Manifest;
  if (JSON.stringify(packed.exports ?? null).includes("@lockgate/source")) {
    problems.push(`${p.manifest.name}: packed exports still name the source condition`);
  }
  if (JSON.stringify([packed.dependencies, packed.peerDependencies]).includes("workspace:")) {
    problems.push(`${p.manifest.name}: packed manifest has a workspace: range`);
  }
  const files = run("tar", ["-tzf", tarball], work).trim().split("\n");
  const stray = files.filter(
    (f) => !/^package\/(dist\/|package\.json$|README\.md$|LICENSE|CHANGELOG\.md$)/.test(f),
  );
  if (stray.length)
    problems.push(`${p.manifest.name}: unexpected files in tarball: ${stray.join(", ")}`);
  if (files.some((f) => f.endsWith(".test.js")))
    problems.push(`${p.manifest.name}: tests were packed`);

  // Imports in dist/ versus what the manifest declares.
  const declared = new Set([
    ...Object.keys(p.manifest.dependencies ?? {}),
    ...Object.keys(p.manifest.peerDependencies ?? {}),
  ]);
  const imported = new Set<string>();
  for (const file of files.filter((f) => f.endsWith(".js"))) {
    const text = readFileSync(join(unpacked, file), "utf8");
    for (const m of text.matchAll(
      /(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)["']([@a-z0-9][^"'\s,]*)["']/gm,
    )) {
      const spec = m[1] as string;
      if (spec.startsWith("node:") || builtinModules.includes(spec)) continue;
      imported.add(
        spec.startsWith("@")
          ? spec.split("/").slice(0, 2).join("/")
          : (spec.split("/")[0] as string),
      );
    }
  }
  for (const dep of imported)
    if (!declared.has(dep))
      problems.push(`${p.manifest.name}: dist imports ${dep}, which is not declared`);
  for (const dep of declared)
    if (!imported.has(dep))
      problems.push(`${p.manifest.name}: declares ${dep} but never imports it`);
}

for (const p of packages) {
  const project = join(work, `try-${p.short}`);
  mkdirSync(project);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: `try-${p.short}`, private: true, type: "module" }),
  );
  const smoke = join(root, "scripts", "isolated-smoke", `${p.short}.mjs`);
  if (!existsSync(smoke)) {
    problems.push(`${p.manifest.name}: no smoke script at scripts/isolated-smoke/${p.short}.mjs`);
    continue;
  }
  // Only this package and the @lockgate packages it needs: its required peers and its
  // dependencies, with theirs (unpublished here, so they come from the packed tarballs).
  const byName = new Map(packages.map((q) => [q.manifest.name, q.manifest]));
  const needed = new Set<string>([p.manifest.name]);
  const pending = [p.manifest.name];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    const m = byName.get(name);
    const deps = [
      ...Object.keys(m?.dependencies ?? {}),
      ...Object.keys(m?.peerDependencies ?? {}).filter(
        (d) => !m?.peerDependenciesMeta?.[d]?.optional,
      ),
    ].filter((d) => d.startsWith("@lockgate/") && !needed.has(d));
    for (const d of deps) {
      needed.add(d);
      pending.push(d);
    }
  }
  const installs = [...needed].map((n) => tarballs.get(n) as string);
  run(
    "npm",
    ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error", ...installs],
    project,
  );
  const installed = readdirSync(join(project, "node_modules"))
    .filter((d) => !d.startsWith("."))
    .flatMap((d) =>
      d.startsWith("@")
        ? readdirSync(join(project, "node_modules", d)).map((s) => `${d}/${s}`)
        : [d],
    );
  writeFileSync(join(project, "smoke.mjs"), readFileSync(smoke));
  try {
    const out = run("node", ["smoke.mjs"], project, { ...process.env, ...runtimes }).trim();
    console.log(`${p.manifest.name}: installed alone (${installed.join(", ")}); ${out}`);
  } catch (error) {
    problems.push(
      `${p.manifest.name}: smoke script failed: ${(error as { stderr?: string }).stderr ?? error}`,
    );
  }
}

rmSync(work, { recursive: true, force: true });
if (problems.length) {
  console.error(`isolated installs: ${problems.length} problem(s)\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log(`isolated installs: ${packages.length} packages packed, installed alone and used`);
