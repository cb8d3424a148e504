#!/usr/bin/env node
// The house's import rules, checked from the sources (no build needed):
//  - every bare import of a publishable project's published source (src/, not tests or fixtures)
//    is declared in its dependencies/peer/optional, and its bench/ files' imports in its
//    dependencies or devDependencies (or the root's devDependencies), so each package installs
//    and publishes on its own; no published file reaches into another package's src/ or out of
//    its folder. (Tests resolve @kiln/* to the sources through vitest's alias and are not published.)
//  - no cycle among the workspace packages' dependencies (an arrow back up the graph);
//  - no file cycle inside a project (type-only imports count: a cycle of types is still a knot
//    the reader has to untie, and it becomes a load-order bug the day one of them turns runtime).
//   node tools/import-graph.mjs [repoRoot]   → prints each problem, exit 1 when there is one
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.nx', 'outputs']);
const SOURCE = /\.(m|c)?[jt]sx?$/;
const BUILTINS = new Set(builtinModules);
const ts = createRequire(import.meta.url)('typescript');

/** Every specifier a source file imports: static, type-only, re-exports, `import()` and `require()` (TypeScript's own scanner). */
export function importsOf(text) {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`; builtins and relative paths → undefined. */
export function packageOf(spec) {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) return undefined;
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return BUILTINS.has(name) ? undefined : name;
}

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** A relative import → the file it names (`./x.js` written for `./x.ts` too), or undefined. */
function resolveRelative(from, spec) {
  const base = resolve(dirname(from), spec);
  const stem = base.replace(/\.(m|c)?js$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, `${stem}.cts`, `${base}.ts`, `${base}.mjs`, `${base}.js`, join(base, 'index.ts'), join(base, 'index.js')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

/** `published` (src/ minus tests and fixtures), `bench`, or `other` (tests, configs, scripts: not checked for declarations). */
const roleOf = (rel) =>
  /\.(test|spec)\.[mc]?[jt]s$/.test(rel) || /(^|\/)__fixtures__\//.test(rel) ? 'other' : rel.startsWith('src/') ? 'published' : rel.startsWith('bench/') ? 'bench' : 'other';

/** Cycles (strongly connected components of more than one file, or a file importing itself). */
export function fileCycles(edges) {
  let index = 0;
  const idx = new Map(), low = new Map(), onStack = new Set(), stack = [], cycles = [];
  const visit = (v) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do { w = stack.pop(); onStack.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1 || (edges.get(v) ?? new Set()).has(v)) cycles.push(scc.reverse());
    }
  };
  for (const v of edges.keys()) if (!idx.has(v)) visit(v);
  return cycles;
}

/** The problems of one project folder (one with a package.json). */
export function checkProject(projectDir, rootPkg = {}) {
  const pkg = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8'));
  const runtime = new Set([pkg.name, ...Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies })]);
  const dev = new Set([...runtime, ...Object.keys({ ...pkg.devDependencies, ...rootPkg.devDependencies })]);
  const problems = [];
  const edges = new Map();
  for (const file of walk(projectDir)) {
    const rel = relative(projectDir, file);
    const role = pkg.private ? 'other' : roleOf(rel);
    const allowed = role === 'published' ? runtime : dev;
    const out = new Set();
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        const target = resolveRelative(file, spec);
        if (target && !relative(projectDir, target).startsWith('..')) out.add(target);
        else if (target && role === 'published') problems.push(`${pkg.name}: ${rel} imports '${spec}' from outside the package (import the other package by its name)`);
        continue;
      }
      if (role === 'other') continue;
      const name = packageOf(spec);
      if (name && !allowed.has(name)) {
        const where = runtime.has(name) ? '' : dev.has(name) ? ' (only as a devDependency: source files need it in dependencies)' : '';
        problems.push(`${pkg.name}: ${rel} imports '${spec}', not declared in ${relative(process.cwd(), join(projectDir, 'package.json')) || 'package.json'}${where}`);
      }
      if (/^@kiln\/[^/]+\/src(\/|$)/.test(spec)) problems.push(`${pkg.name}: ${rel} imports '${spec}': another package's src/ (use its exports)`);
    }
    edges.set(file, out);
  }
  for (const cycle of fileCycles(edges)) {
    problems.push(`${pkg.name}: file cycle ${[...cycle, cycle[0]].map((f) => relative(projectDir, f)).join(' → ')}`);
  }
  return problems;
}

/** Cycles among workspace packages, from name → the names it depends on (others ignored). */
export function packageCycles(deps) {
  const edges = new Map([...deps].map(([name, on]) => [name, new Set([...on].filter((d) => deps.has(d)))]));
  return fileCycles(edges).map((c) => `package cycle ${[...c, c[0]].join(' → ')}`);
}

/** Every workspace project under packages/ and apps/, plus the root's bench/ and tools/ (its devDependencies). */
export function checkRepo(root) {
  const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const problems = [];
  const deps = new Map();
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, group)).sort()) {
      const dir = join(root, group, name);
      if (!existsSync(join(dir, 'package.json'))) continue;
      problems.push(...checkProject(dir, rootPkg));
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      deps.set(pkg.name, new Set(Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies })));
    }
  }
  problems.push(...packageCycles(deps));
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const problems = checkRepo(root);
  for (const p of problems) console.error(p);
  console.error(problems.length ? `import-graph: ${problems.length} problem(s)` : 'import-graph: every import declared, no package or file cycles');
  process.exit(problems.length ? 1 : 0);
}
